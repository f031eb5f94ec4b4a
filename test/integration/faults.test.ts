// Fault injection in a real guest: each fault is detected, named, leaves no qemu behind, and the next VM runs.
import test from 'ava';
import {readFile} from 'node:fs/promises';
import {ensureFaultModules} from '../../harness/build/fault-modules.ts';
import {ensureKernelSource} from '../../harness/build/source.ts';
import {bootGuest, profileBuild} from '../../harness/subject/guest.ts';
import {GuestStuckError} from '../../harness/vm/errors.ts';
import {logDir, ourQemus, testGuestContext} from './_context.ts';

const ctx = await testGuestContext();
const spec = {profile: 'thumb2', design: 'weak', cpu: 'neon', withArch: true} as const;

test('a module whose init blocks uninterruptibly: the agent reports insmod stuck (D, wchan), the host kills the VM, the next VM runs', async t => {
	const build = await profileBuild(ctx, spec.profile);
	const faults = await ensureFaultModules(ctx, await ensureKernelSource(ctx.cacheDir, ctx.progress), build.kernel);
	const ko = faults.modules['kplug-block.ko'];
	t.truthy(ko, `built: ${Object.keys(faults.modules).join(', ')}`);
	const {vm} = await bootGuest(ctx, spec, await logDir(t, 'stuck'));
	t.teardown(() => vm.close());
	await vm.writeFile('/tmp/kplug-block.ko', await readFile(ko!));
	const started = Date.now();
	const error = await t.throwsAsync(vm.exec(['insmod', '/tmp/kplug-block.ko'], {timeoutMs: 3000, step: 'insmod kplug-block', settleMs: 0}), {instanceOf: GuestStuckError});
	t.is(error.state, 'D', error.message);
	t.is(error.comm, 'insmod');
	t.regex(error.wchan, /^[a-z_][\w.]*$/, `a kernel function name: ${error.message}`);
	t.log(error.message);
	t.regex(error.message, /^stuck in the kernel: D state \(uninterruptible sleep\), wchan /);
	t.regex(error.consoleTail, /kplug_block: init blocks uninterruptibly/);
	t.true(Date.now() - started < 8000, `reported after ${Date.now() - started} ms`);
	await vm.close();
	t.deepEqual(await ourQemus(), [], 'the stuck VM was killed');
	const next = await bootGuest(ctx, spec, await logDir(t, 'after-stuck'));
	t.teardown(() => next.vm.close());
	t.is((await next.vm.exec(['true'])).exitCode, 0);
	await next.vm.close();
	t.deepEqual(await ourQemus(), []);
});

test('the agent cannot be killed: it is PID 1, SIGKILL from inside the guest leaves it serving', async t => {
	const {vm} = await bootGuest(ctx, spec, await logDir(t, 'kill-agent'));
	t.teardown(() => vm.close());
	const killed = await vm.exec(['sh', '-c', 'kill -KILL 1; kill -TERM 1; kill -INT 1; echo sent']);
	t.is(killed.stdout.trim(), 'sent');
	t.deepEqual(killed.console.filter(e => e.kind === 'panic'), []);
	t.is((await vm.exec(['cat', '/proc/1/comm'])).stdout.trim(), 'kplug-agent');
	await vm.close();
	t.deepEqual(await ourQemus(), []);
});

test('guest requests have deadlines: a device read that never ends times out in the guest and the agent serves on', async t => {
	const {vm} = await bootGuest(ctx, spec, await logDir(t, 'devio-deadline'));
	t.teardown(() => vm.close());
	const made = await vm.exec(['sh', '-c', 'mkfifo /tmp/fifo && echo ok']);
	t.is(made.stdout.trim(), 'ok', made.stderr);
	await t.throwsAsync(vm.devio('/tmp/fifo', Buffer.from('x'), {timeoutMs: 1000}), {message: /guest device request timed out after 1000 ms/});
	t.is((await vm.exec(['true'])).exitCode, 0);
	await vm.close();
	t.deepEqual(await ourQemus(), []);
});
