// The agent compiled natively (gcc, not static) into a temporary folder for one test file, removed after it.
import test from 'ava';
import {join} from 'node:path';
import {AGENT_SOURCE, buildAgent} from '../../../harness/image/agent.ts';
import {fileTemps} from '../../_temp.ts';

// Registers the file's before/after hooks; the folder and binary are there once the tests run.
export function nativeAgent(label: string): {readonly dir: string; readonly path: string} {
	const built = {dir: '', path: ''};
	const temps = fileTemps();
	test.before(async () => {
		built.dir = await temps.make(label);
		built.path = join(built.dir, 'kplug-agent');
		await buildAgent({cc: 'gcc', source: AGENT_SOURCE, output: built.path, static: false});
	});
	test.after.always(temps.remove);
	return built;
}
