// A line-based reader for the GitHub workflow files: enough YAML for jobs, steps, run, uses and with.
export interface WorkflowStep {
	job: string;
	// The step's own keys (name, run, uses, if, working-directory) and its `with:` keys as `with.KEY`.
	keys: Record<string, string>;
}

const indentOf = (line: string): number => line.length - line.trimStart().length;
const unquote = (value: string): string => value.trim().replace(/^(['"])(.*)\1$/, '$2');

// The steps of every job, in order.
export function workflowSteps(text: string): WorkflowStep[] {
	const steps: WorkflowStep[] = [];
	let job: string | undefined;
	let step: (WorkflowStep & {indent: number}) | undefined;
	let parent = '';
	let inJobs = false;
	let block: {key: string; indent: number; lines: string[]} | undefined;
	const lines = text.split('\n');
	for (const line of lines) {
		if (block) {
			if (line.trim() === '' || indentOf(line) > block.indent) {
				block.lines.push(line.trim());
				continue;
			}
			step!.keys[block.key] = block.lines.filter(Boolean).join('\n');
			block = undefined;
		}
		if (line.trim() === '' || line.trim().startsWith('#')) continue;
		if (/^\S/.test(line)) {
			// A top-level key: jobs are the keys under `jobs:` only.
			inJobs = /^jobs:\s*$/.test(line);
			job = undefined;
			step = undefined;
			continue;
		}
		const jobMatch = inJobs ? /^ {2}([\w-]+):\s*$/.exec(line) : null;
		if (jobMatch) {
			job = jobMatch[1];
			step = undefined;
			continue;
		}
		const item = /^(\s*)- (.*)$/.exec(line);
		let body = line.trim();
		let indent = indentOf(line);
		if (item && job && /^[\w-]+:/.test(item[2]!)) {
			step = {job, keys: {}, indent: item[1]!.length};
			steps.push(step);
			body = item[2]!;
			indent = item[1]!.length + 2;
		}
		if (!step || indent <= step.indent) continue;
		const kv = /^([\w.-]+):\s*(.*)$/.exec(body);
		if (!kv) continue;
		const [, key, value] = kv as unknown as [string, string, string];
		const name = indent === step.indent + 2 ? key : `${parent}.${key}`;
		if (indent === step.indent + 2) parent = key;
		if (value === '|' || value === '>') block = {key: name, indent, lines: []};
		else if (value !== '') step.keys[name] = unquote(value);
	}
	if (block && step) step.keys[block.key] = block.lines.filter(Boolean).join('\n');
	return steps.map(({job: j, keys}) => ({job: j, keys}));
}

// The shell words of a run command, with `$(` and quotes peeled off; `${{ … }}` expressions kept whole.
export function shellWords(command: string): string[] {
	const expressions: string[] = [];
	const masked = command.replace(/\$\{\{.*?\}\}/g, e => `\u0000${expressions.push(e) - 1}\u0000`);
	return masked
		.split(/[\s;&|]+/)
		.map(w => w.replace(/^\$\(/, '').replace(/\)$/, '').replace(/^(['"])(.*)\1$/, '$2'))
		.map(w => w.replace(/\u0000(\d+)\u0000/g, (_, i: string) => expressions[Number(i)]!))
		.filter(Boolean);
}
