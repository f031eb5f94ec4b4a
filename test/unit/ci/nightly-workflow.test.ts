// The nightly cannot run here; this checks that everything it names exists in the repository.
import {accessSync, constants, existsSync, readFileSync} from 'node:fs';
import test from 'ava';
import {globalOptions} from '../../../harness/cli/command.ts';
import {commands} from '../../../harness/cli/main.ts';
import {parseShard} from '../../../harness/scenarios/matrix.ts';
import {repoPath} from '../../../harness/util/paths.ts';
import {shellWords, workflowSteps, type WorkflowStep} from './_workflow.ts';

const text = readFileSync(repoPath('.github/workflows/nightly.yml'), 'utf8');
const steps = workflowSteps(text);
const jobs = [...new Set(steps.map(s => s.job))];
const pkg = JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as {scripts: Record<string, string>; engines: {node: string}};
const checkout = steps.find(s => s.keys['uses']?.startsWith('actions/checkout@'))?.keys['with.path'] ?? '.';
const runSteps = steps.filter(s => s.keys['run'] !== undefined);
// Each shell command of a run step: `a && b`, `a; b` and block lines are separate commands.
const commandsOf = (s: WorkflowStep): string[][] => (s.keys['run'] ?? '').split(/&&|;|\n/).map(shellWords).filter(w => w.length > 0);
const allCommands = runSteps.flatMap(s => commandsOf(s).map(words => ({step: s, words})));

test('the workflow reader finds the jobs and their steps', t => {
	t.deepEqual(jobs, ['test', 'matrix', 'merge']);
	t.true(runSteps.length >= 6, String(runSteps.length));
	t.deepEqual(shellWords(`npm run kplug -- merge $(find ../shards -name report.json -printf '%h\\n') --out out/merged`), ['npm', 'run', 'kplug', '--', 'merge', 'find', '../shards', '-name', 'report.json', '-printf', '%h\\n', '--out', 'out/merged']);
});

test('every job installs a supported Node with setup-node before it runs npm, never Debian\'s nodejs', t => {
	const floor = /^>=(\d+)\.(\d+)$/.exec(pkg.engines.node);
	t.truthy(floor, pkg.engines.node);
	for (const job of jobs) {
		const own = steps.filter(s => s.job === job);
		const setup = own.findIndex(s => s.keys['uses']?.startsWith('actions/setup-node@'));
		t.not(setup, -1, `${job}: no actions/setup-node`);
		const version = own[setup]?.keys['with.node-version'] ?? '';
		// 20.x resolves to the newest 20 (≥ the engines floor, 20.19); 22.x is the next LTS.
		t.regex(version, /^(20|22)\.x$/, `${job}: node-version ${version}`);
		t.true(Number(version.split('.')[0]) >= Number(floor![1]), `${job}: ${version} below ${pkg.engines.node}`);
		const firstNpm = own.findIndex(s => /\bnpm\b|\.ci\/run/.test(s.keys['run'] ?? ''));
		t.true(firstNpm === -1 || firstNpm > setup, `${job}: npm runs before setup-node`);
	}
	t.false(/apt-get install[^\n]*\b(nodejs|npm)\b/.test(text), 'Debian\'s nodejs/npm are older than the engines floor');
});

test('every npm script the workflow runs exists in package.json, and kplug is reached only through npm scripts', t => {
	let npmCalls = 0;
	for (const {words} of allCommands) {
		t.false(words.some(w => /kplug\.mjs$|harness\/bin\//.test(w)), `calls the CLI directly: ${words.join(' ')}`);
		if (words[0] !== 'npm') continue;
		npmCalls++;
		const script = words[1] === 'run' ? words[2] : words[1];
		if (script === 'ci') continue;
		t.truthy(script && pkg.scripts[script], `npm script "${script}" in ${words.join(' ')}`);
	}
	t.true(npmCalls >= 2);
});

test('every kplug command and option the workflow uses exists', t => {
	let checked = 0;
	for (const {words} of allCommands) {
		if (words[0] !== 'npm') continue;
		const rest = words.slice(words.indexOf('--') + 1);
		if (!words.includes('--')) continue;
		// `npm start -- ARGS` is `kplug start ARGS`; `npm run kplug -- CMD ARGS` is `kplug CMD ARGS`.
		const [name, args] = words[1] === 'start' ? ['start', rest] : words[2] === 'kplug' ? [rest[0], rest.slice(1)] : [undefined, []];
		if (name === undefined) continue;
		const command = commands.find(c => c.name === name);
		t.truthy(command, `kplug command "${name}"`);
		const options = {...globalOptions, ...command?.options};
		for (const flag of args.filter(a => a.startsWith('--'))) t.truthy(options[flag.slice(2)], `kplug ${name} ${flag}`);
		checked++;
	}
	t.true(checked >= 2, 'the matrix and merge steps both reach kplug');
});

test('every file the workflow reads exists in the repository; what it uploads is what it wrote', t => {
	t.false(text.includes('../shared'), 'a plain clone has no ../shared');
	for (const s of steps) {
		const dir = s.keys['working-directory'];
		if (dir !== undefined) t.is(dir, checkout, `${s.job}: working-directory is the checkout`);
	}
	for (const [, pattern] of text.matchAll(/'([^']+)'(?=[,)])/g)) {
		if (!pattern!.startsWith(`${checkout}/`)) continue;
		const base = pattern!.slice(checkout.length + 1).replace(/\/?\*.*$/, '');
		t.true(existsSync(repoPath(base)), `hashFiles input ${pattern}`);
	}
	for (const {step, words} of allCommands) {
		const downloads = steps.filter(s => s.job === step.job && s.keys['uses']?.startsWith('actions/download-artifact@')).map(s => s.keys['with.path']);
		words.forEach((word, i) => {
			if (word.includes('${{') || words[i - 1] === '--out') return;
			if (word.startsWith('../')) t.true(downloads.includes(word.slice(3)), `${step.job}: ${word} is not a downloaded artifact`);
			else if (/^\.?[\w-]+\/[\w./-]*$/.test(word)) t.true(existsSync(repoPath(word)), `${step.job}: ${word} is not in the repository`);
		});
		if (words[0]?.includes('/')) t.notThrows(() => accessSync(repoPath(words[0]!), constants.X_OK), `${words[0]} is executable`);
	}
	for (const s of steps.filter(x => x.keys['uses']?.startsWith('actions/upload-artifact@'))) {
		const outs = steps.filter(x => x.job === s.job).flatMap(x => commandsOf(x)).flatMap(w => w.flatMap((word, i) => (w[i - 1] === '--out' ? [word] : [])));
		const path = s.keys['with.path'] ?? '';
		t.true(outs.some(out => path.startsWith(`${checkout}/${out}/`)), `${s.job}: uploads ${path}, not under an --out of its own (${outs.join(', ')})`);
	}
});

test('the shards cover the matrix once: 1/n … n/n', t => {
	const list = /shard: \[([^\]]*)\]/.exec(text)?.[1] ?? '';
	const shards = [...list.matchAll(/'([^']+)'/g)].map(m => parseShard(m[1]!));
	t.true(shards.length > 1);
	t.deepEqual(shards.map(s => s.index), shards.map((_, i) => i + 1));
	t.true(shards.every(s => s.count === shards.length));
	t.true(allCommands.some(({words}) => words.includes('--shard') && words[words.indexOf('--shard') + 1] === '${{ matrix.shard }}'));
});
