import test from 'ava';
import {mkdir, readFile} from 'node:fs/promises';
import {join} from 'node:path';
import {liveCount} from '../../../harness/util/reaper.ts';
import {AgentRequestError, BootTimeoutError, KernelCrashError, QemuStartError, QemuExitedError, RequestTimeoutError} from '../../../harness/vm/errors.ts';
import {startVm} from '../../../harness/vm/vm.ts';
import {repoPath} from '../../../harness/util/paths.ts';
import {tempDir, type Teardown} from '../../_temp.ts';

const fakeQemu = repoPath('test/fixtures/fake-qemu.mjs');

async function boot(t: Teardown, mode: string, bootTimeoutMs = 5000) {
	const logDir = await tempDir(t, 'lifecycle');
	return {logDir, vm: await startVm({kernel: mode, initrd: 'none', qemuCpu: 'cortex-a15', logDir, bootTimeoutMs, qemuBinary: fakeQemu})};
}

test.after.always('no VM left behind', t => {
	t.is(liveCount(), 0);
});

test('boots, runs a command, attaches console events, closes by poweroff', async t => {
	const {vm, logDir} = await boot(t, 'boot');
	t.teardown(() => vm.close());
	t.is(vm.ready.release, '6.1.0-fake');
	t.deepEqual(vm.ready.cpuFeatures, ['half', 'thumb', 'neon', 'vfpv3']);
	const result = await vm.exec(['echo', 'hi']);
	t.is(result.exitCode, 0);
	t.is(result.stdout, 'echo hi');
	const warned = await vm.exec(['warn'], {settleMs: 200});
	t.deepEqual(warned.console.map(e => e.kind), ['warn']);
	await vm.close();
	await vm.close();
	const consoleText = await readFile(join(logDir, 'console.log'), 'utf8');
	t.regex(consoleText, /Run \/init as init process/);
	t.regex(await readFile(join(logDir, 'agent.log'), 'utf8'), /exec \["echo","hi"\]/);
});

test('a console log that cannot be written neither crashes kplug nor stops the VM; agent.log says why', async t => {
	const logDir = await tempDir(t, 'lifecycle');
	// A folder where the file should be: the write stream fails with EISDIR (as a full disk fails with ENOSPC).
	await mkdir(join(logDir, 'console.log'));
	const vm = await startVm({kernel: 'boot', initrd: 'none', qemuCpu: 'cortex-a15', logDir, bootTimeoutMs: 5000, qemuBinary: fakeQemu});
	t.teardown(() => vm.close());
	t.is((await vm.exec(['echo', 'hi'])).stdout, 'echo hi');
	t.regex(vm.consoleTail(), /Run \/init/, 'the console is still watched');
	await vm.close();
	t.regex(await readFile(join(logDir, 'agent.log'), 'utf8'), /^console\.log could not be written: EISDIR$/m);
});

test('a QEMU that dies at start is a QemuStartError with the console tail and qemu\'s exit code', async t => {
	const error = await t.throwsAsync(boot(t, 'die'), {instanceOf: QemuStartError});
	t.regex(error.message, /fake failure/);
	t.is(error.step, 'boot');
	t.is(error.qemuExitCode, 1);
	t.is(error.qemuSignal, undefined);
	t.is(error.exitCode, 90, 'the CLI exit code of the class, not qemu\'s');
});

test('a guest that never gets ready is a boot timeout that says what it waited for and how long', async t => {
	// 3 s: the fake qemu (a Node process) must get to "Run /init" first, which took over 800 ms on a loaded machine.
	const error = await t.throwsAsync(boot(t, 'hang', 3000), {instanceOf: BootTimeoutError});
	t.regex(error.consoleTail, /Run \/init/);
	t.is(error.waitingFor, 'agent READY', 'the fake connects the socket, then never says READY');
	t.true(error.waitedMs >= 3000 && error.waitedMs < 8000, String(error.waitedMs));
});

test('a request that never answers is a request timeout', async t => {
	const {vm} = await boot(t, 'boot');
	t.teardown(() => vm.close());
	const error = await t.throwsAsync(vm.exec(['sleep', '100'], {timeoutMs: 200, step: 'sleep step'}), {instanceOf: RequestTimeoutError});
	t.is(error.step, 'sleep step');
	t.is(error.waitingFor, 'exec ["sleep","100"]');
	t.true(error.waitedMs >= 5200 && error.waitedMs < 10_000, String(error.waitedMs));
});

test('a failed guest write and a rejected request are AgentRequestErrors (request, errno), and the VM serves on', async t => {
	const {vm} = await boot(t, 'boot');
	t.teardown(() => vm.close());
	const write = await t.throwsAsync(vm.writeFile('/ro/x.conf', 'blacklist x\n'), {instanceOf: AgentRequestError});
	t.is(write.request, 'write /ro/x.conf');
	t.is(write.errno, 30);
	t.is(write.failureClass, 'agent-request');
	t.regex(write.message, /Read-only file system/);
	const rejected = await t.throwsAsync(vm.exec(['reject']), {instanceOf: AgentRequestError});
	t.is(rejected.request, 'exec ["reject"]');
	t.is(rejected.errno, undefined);
	t.regex(rejected.message, /agent rejected request: bad request/);
	t.false(rejected instanceof QemuExitedError, 'qemu is alive: not a qemu exit');
	t.is((await vm.exec(['echo', 'still', 'here'])).stdout, 'echo still here');
});

test('a kernel panic during a request is reported as a crash with its kind', async t => {
	const {vm} = await boot(t, 'panic');
	t.teardown(() => vm.close());
	const error = await t.throwsAsync(vm.exec(['insmod', 'x.ko'], {step: 'insmod x'}), {instanceOf: KernelCrashError});
	t.is(error.kind, 'oops');
	t.is(error.step, 'insmod x');
	t.regex(error.consoleTail, /Kernel panic - not syncing/);
});

test('QEMU exiting after ready fails the next request as qemu-exited', async t => {
	const {vm} = await boot(t, 'exit-after-ready');
	t.teardown(() => vm.close());
	await new Promise(resolve => setTimeout(resolve, 200));
	const error = await t.throwsAsync(vm.exec(['true']), {instanceOf: QemuExitedError});
	t.is(error.qemuExitCode, 0);
});
