// Two kplug processes building the same cache key at once (the agent: a small entry): both succeed, one build, one entry.
import test from 'ava';
import {execa} from 'execa';
import {readdir, readFile} from 'node:fs/promises';
import {join} from 'node:path';
import {repoPath} from '../../../harness/util/paths.ts';
import {tempDir} from '../../_temp.ts';

test('two processes building the agent into one fresh cache both succeed; one compiles, both share its entry', async t => {
	const cache = await tempDir(t, 'concurrent');
	const script = `
		import {register} from 'tsx/esm/api';
		register();
		const {ensureAgent} = await import(${JSON.stringify(repoPath('harness/image/agent.ts'))});
		let built = false;
		const agent = await ensureAgent(${JSON.stringify(cache)}, {info() {}, step: (_, work) => work()}, () => { built = true; });
		process.stdout.write(JSON.stringify({...agent, built}));
	`;
	const both = await Promise.all([1, 2].map(() => execa('node', ['--input-type=module', '-e', script], {reject: false, cwd: repoPath()})));
	for (const result of both) t.is(result.exitCode, 0, result.stderr);
	const [a, b] = both.map(result => JSON.parse(result.stdout) as {path: string; hash: string; built: boolean});
	t.deepEqual([a!.path, a!.hash], [b!.path, b!.hash]);
	t.is([a!.built, b!.built].filter(Boolean).length, 1, 'exactly one of them compiled (the build lock)');
	// One entry, no temp folder left behind by the one whose publish found the other's entry.
	t.deepEqual(await readdir(join(cache, 'agent')), [a!.hash]);
	t.true((await readFile(a!.path)).length > 100_000, 'a static ARM binary');
});
