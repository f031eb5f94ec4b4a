// A small XML well-formedness checker for the writer tests (Node has no XML parser built in).

export interface XmlElement {
	name: string;
	attrs: Record<string, string>;
	parent: string | undefined;
	// Text directly inside the element, entities left as written.
	text: string;
}

export interface XmlCheck {
	problems: string[];
	elements: XmlElement[];
}

const name = '[A-Za-z_][\\w.:-]*';
const entity = /^&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9A-Fa-f]+);/;
const forbidden = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const startTag = new RegExp(`^<(${name})((?:\\s+${name}\\s*=\\s*(?:"[^"]*"|'[^']*'))*)\\s*(/?)>`);
const attribute = new RegExp(`(${name})\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, 'g');

function checkText(text: string, where: string, problems: string[]): void {
	for (let i = text.indexOf('&'); i >= 0; i = text.indexOf('&', i + 1)) {
		if (!entity.test(text.slice(i))) problems.push(`${where}: bare & at "${text.slice(i, i + 12)}"`);
	}
	if (text.includes('<')) problems.push(`${where}: raw < in "${text.slice(0, 40)}"`);
}

// Check that `xml` is one well-formed element tree (optionally after an XML declaration).
export function checkXml(xml: string): XmlCheck {
	const problems: string[] = [];
	const elements: XmlElement[] = [];
	if (forbidden.test(xml)) problems.push(`control character at ${xml.search(forbidden)}`);
	let rest = xml.replace(/^<\?xml[^?]*\?>/, '');
	const stack: XmlElement[] = [];
	let roots = 0;
	while (rest.length > 0) {
		const lt = rest.indexOf('<');
		const text = lt < 0 ? rest : rest.slice(0, lt);
		if (stack.length === 0 && text.trim() !== '') problems.push(`text outside the root: "${text.trim().slice(0, 40)}"`);
		checkText(text, stack.at(-1)?.name ?? 'document', problems);
		const top = stack.at(-1);
		if (top) top.text += text;
		if (lt < 0) break;
		rest = rest.slice(lt);
		const comment = /^<!--[\s\S]*?-->/.exec(rest);
		const end = new RegExp(`^</(${name})\\s*>`).exec(rest);
		const start = startTag.exec(rest);
		if (comment) {
			rest = rest.slice(comment[0].length);
		} else if (end) {
			const open = stack.pop();
			if (open?.name !== end[1]) problems.push(`</${end[1]}> closes ${open ? `<${open.name}>` : 'nothing'}`);
			rest = rest.slice(end[0].length);
		} else if (start) {
			const attrs: Record<string, string> = {};
			for (const m of (start[2] ?? '').matchAll(attribute)) {
				const key = m[1] ?? '';
				const value = m[2] ?? m[3] ?? '';
				if (key in attrs) problems.push(`<${start[1]}> repeats attribute ${key}`);
				checkText(value, `<${start[1]} ${key}>`, problems);
				attrs[key] = value;
			}
			if (stack.length === 0 && ++roots > 1) problems.push(`second root element <${start[1]}>`);
			const element: XmlElement = {name: start[1] ?? '', attrs, parent: stack.at(-1)?.name, text: ''};
			elements.push(element);
			if (start[3] !== '/') stack.push(element);
			rest = rest.slice(start[0].length);
		} else {
			problems.push(`malformed markup at "${rest.slice(0, 40)}"`);
			break;
		}
	}
	if (stack.length > 0) problems.push(`unclosed: ${stack.map(e => e.name).join(' > ')}`);
	if (roots === 0) problems.push('no root element');
	return {problems, elements};
}
