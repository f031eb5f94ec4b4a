// The agent compiled natively (gcc, not static) into a temporary folder for one test file, removed after it.
import test from 'ava';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {AGENT_SOURCE, buildAgent} from '../../../harness/image/agent.ts';

// Registers the file's before/after hooks; the folder and binary are there once the tests run.
export function nativeAgent(label: string): {readonly dir: string; readonly path: string} {
	const built = {dir: '', path: ''};
	test.before(async () => {
		built.dir = await mkdtemp(join(tmpdir(), `kplug-${label}-`));
		built.path = join(built.dir, 'kplug-agent');
		await buildAgent({cc: 'gcc', source: AGENT_SOURCE, output: built.path, static: false});
	});
	test.after.always(async () => {
		if (built.dir) await rm(built.dir, {recursive: true, force: true});
	});
	return built;
}
