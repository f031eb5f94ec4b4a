import test from 'ava';
import {join} from 'node:path';
import {AGENT_SOURCE, GUEST_CC, agentCcArgs, buildAgent} from '../../../harness/image/agent.ts';
import {haveTool, run} from '../../../harness/util/exec.ts';
import {tempDir} from '../../_temp.ts';

test('agentCcArgs: static guest build', t => {
	t.deepEqual(agentCcArgs({cc: GUEST_CC, source: 'agent.c', output: 'out/kplug-agent', static: true}), [
		'-static', '-std=gnu11', '-O2', '-Wall', '-Wextra', '-Werror', '-o', 'out/kplug-agent', 'agent.c',
	]);
});

test('agentCcArgs: dynamic host build has no -static', t => {
	const argv = agentCcArgs({cc: 'gcc', source: '/src/agent.c', output: '/tmp/a', static: false});
	t.false(argv.includes('-static'));
	t.deepEqual(argv.slice(-3), ['-o', '/tmp/a', '/src/agent.c']);
});

// The rig cannot boot a guest without this, so a missing cross compiler is a failure, not a skip.
test('agent.c cross-compiles to a static 32-bit ARM executable', async t => {
	t.true(await haveTool(GUEST_CC), `${GUEST_CC} is not installed (apt-get install gcc-arm-linux-gnueabihf libc6-dev-armhf-cross)`);
	const dir = await tempDir(t, 'agent-arm');
	const output = join(dir, 'kplug-agent');
	await buildAgent({cc: GUEST_CC, source: AGENT_SOURCE, output, static: true});
	const {stdout} = await run('file', ['-b', output]);
	t.regex(stdout, /ELF 32-bit LSB executable, ARM, EABI5/);
	t.regex(stdout, /statically linked/);
});
