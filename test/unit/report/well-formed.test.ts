import test from 'ava';
import {checkXml} from './_well-formed.ts';

// The junit and svg tests lean on this checker, so it has to be able to say no.
const rejects = test.macro<[string, RegExp]>({
	exec(t, xml, problem) {
		const {problems} = checkXml(xml);
		t.true(problems.some(p => problem.test(p)), `expected ${problem} in ${JSON.stringify(problems)}`);
	},
	title: (_provided, xml) => `rejects ${JSON.stringify(xml)}`,
});
test(rejects, '<a><b></a></b>', /closes/);
test(rejects, '<a>x & y</a>', /bare &/);
test(rejects, '<a x=1/>', /malformed/);
test(rejects, '<a x="<"/>', /raw </);
test(rejects, '<a>\u0001</a>', /control character/);
test(rejects, '<a/><b/>', /second root/);
test(rejects, '<a>', /unclosed/);
test(rejects, 'text<a/>', /outside the root/);
test(rejects, '<a x="1" x="2"/>', /repeats attribute/);

test('accepts a declaration, attributes, entities, comments and self-closing tags', t => {
	const {problems, elements} = checkXml('<?xml version="1.0" encoding="UTF-8"?>\n<a x="1" y=\'2\'><!-- c --><b/>t&amp;&#10;&#x41;<c>d</c></a>\n');
	t.deepEqual(problems, []);
	t.deepEqual(elements.map(e => [e.name, e.parent]), [['a', undefined], ['b', 'a'], ['c', 'a']]);
	t.is(elements[2]?.text, 'd');
});
