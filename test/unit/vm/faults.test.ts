// Fault injection with a fake qemu: each fault is detected, named, and leaves no process behind.
import test, {type ExecutionContext} from 'ava';
import {readFile, symlink} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {InterruptedError} from '../../../harness/util/errors.ts';
import {repoPath} from '../../../harness/util/paths.ts';
import {liveCount} from '../../../harness/util/reaper.ts';
import {AgentLostError, AgentRequestError, GuestStuckError, QemuExitedError} from '../../../harness/vm/errors.ts';
import {startVm, type VmOptions} from '../../../harness/vm/vm.ts';
import {tempDir} from '../../_temp.ts';

const fakeQemu = repoPath('test/fixtures/fake-qemu.mjs');

async function boot(t: ExecutionContext, mode: string, extra: Partial<VmOptions> = {}) {
	const logDir = extra.logDir ?? (await tempDir(t, 'faults'));
	const vm = await startVm({kernel: mode, initrd: 'none', qemuCpu: 'cortex-a15', logDir, bootTimeoutMs: 5000, qemuBinary: fakeQemu, ...extra});
	t.teardown(() => vm.close());
	return {vm, logDir};
}

const gone = (pid: number): boolean => {
	try {
		process.kill(pid, 0);
		return false;
	} catch {
		return true;
	}
};

test.after.always('no VM or process group left tracked', t => {
	t.is(liveCount(), 0);
});

test('a qemu that ignores SIGTERM (and the poweroff) is killed: close() escalates to SIGKILL', async t => {
	const {vm} = await boot(t, 'stubborn');
	const started = Date.now();
	await vm.close();
	t.true(gone(vm.pid), `qemu ${vm.pid} is still there`);
	// poweroff (3 s) → SIGTERM (2 s) → SIGKILL
	t.true(Date.now() - started >= 5000 && Date.now() - started < 8000, `${Date.now() - started} ms`);
});

test('a qemu that dies mid-request is qemu-exited with its exit code, at once', async t => {
	const {vm} = await boot(t, 'boot');
	const started = Date.now();
	const error = await t.throwsAsync(vm.exec(['qemu-dies'], {step: 'insmod x'}), {instanceOf: QemuExitedError});
	t.is(error.qemuExitCode, 2);
	t.is(error.step, 'insmod x');
	t.true(Date.now() - started < 3000, 'not after the request deadline');
	await vm.close();
	t.true(gone(vm.pid));
});

test('the agent gone (its channel closed while qemu runs) is agent-lost, at once; the VM is killed', async t => {
	const {vm} = await boot(t, 'boot');
	const started = Date.now();
	const error = await t.throwsAsync(vm.exec(['agent-dies'], {step: 'probe'}), {instanceOf: AgentLostError});
	t.is(error.failureClass, 'agent-lost');
	t.true(Date.now() - started < 3000, `${Date.now() - started} ms: not after the request deadline`);
	await t.throwsAsync(vm.exec(['true']), {instanceOf: AgentLostError});
	await vm.close();
	t.true(gone(vm.pid));
});

test('a request stuck in the guest kernel is guest-stuck with state and wchan; the VM is killed, not asked', async t => {
	const {vm} = await boot(t, 'boot');
	const error = await t.throwsAsync(vm.exec(['stuck', '/tmp/block.ko'], {step: 'insmod block'}), {instanceOf: GuestStuckError});
	t.like(error, {failureClass: 'guest-stuck', exitCode: 96, step: 'insmod block', pid: 77, comm: 'insmod', state: 'D', wchan: 'do_init_module', waitedMs: 1001});
	t.regex(error.message, /^stuck in the kernel: D state \(uninterruptible sleep\), wchan do_init_module: insmod \(pid 77\)/);
	// Nothing more is sent to a guest whose process is stuck.
	await t.throwsAsync(vm.exec(['echo', 'x']), {instanceOf: AgentRequestError, message: /earlier request is stuck/});
	const started = Date.now();
	await vm.close();
	t.true(gone(vm.pid));
	t.true(Date.now() - started < 2500, `close took ${Date.now() - started} ms: no poweroff wait`);
});

test('an interrupt (the command\'s AbortSignal) kills qemu and fails the request as interrupted, not as a VM fault', async t => {
	const controller = new AbortController();
	const {vm} = await boot(t, 'boot', {signal: controller.signal});
	const pending = vm.exec(['sleep', '100'], {timeoutMs: 60_000});
	setTimeout(() => controller.abort(new InterruptedError('interrupted by SIGINT')), 100);
	const error = await t.throwsAsync(pending, {instanceOf: InterruptedError});
	t.is(error.message, 'interrupted by SIGINT');
	await vm.close();
	t.true(gone(vm.pid));
	await t.throwsAsync(startVm({kernel: 'boot', initrd: 'none', qemuCpu: 'cortex-a15', logDir: tmpdir(), qemuBinary: fakeQemu, signal: controller.signal}), {instanceOf: InterruptedError});
});

test('a full output folder (ENOSPC on console.log) neither stops the VM nor kplug; agent.log says why', async t => {
	const logDir = await tempDir(t, 'faults');
	await symlink('/dev/full', join(logDir, 'console.log'));
	const {vm} = await boot(t, 'boot', {logDir});
	t.is((await vm.exec(['echo', 'hi'])).stdout, 'echo hi');
	await vm.close();
	t.true(gone(vm.pid));
	t.regex(await readFile(join(logDir, 'agent.log'), 'utf8'), /^console\.log could not be written: ENOSPC$/m);
});
