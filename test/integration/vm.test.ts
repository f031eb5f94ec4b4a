import test from 'ava';
import {bootGuest} from '../../harness/subject/guest.ts';
import {liveCount} from '../../harness/util/reaper.ts';
import {KernelCrashError, RequestTimeoutError} from '../../harness/vm/errors.ts';
import {guestCpus} from '../../harness/vm/qemu-args.ts';
import {logDir, ourQemus, testGuestContext} from './_context.ts';

const ctx = await testGuestContext();
const guest = {profile: 'thumb2', design: 'weak' as const, withArch: true};

test.afterEach.always('no qemu of ours is left running', async t => {
	t.is(liveCount(), 0);
	t.deepEqual(await ourQemus(), []);
});

test('command round trip: argv, stdin, exit code, binary-safe output; kmod tools are the real ones', async t => {
	const {vm} = await bootGuest(ctx, {...guest, cpu: 'neon'}, await logDir(t, 'roundtrip'));
	try {
		t.regex(vm.ready.release, /^6\.1\./);
		const echo = await vm.exec(['cat'], {stdin: 'hello\0world\n'});
		t.is(echo.exitCode, 0);
		t.is(echo.stdout, 'hello\0world\n');
		const fail = await vm.exec(['sh', '-c', 'echo oops >&2; exit 7']);
		t.is(fail.exitCode, 7);
		t.is(fail.stderr, 'oops\n');
		for (const tool of ['modprobe', 'insmod', 'rmmod', 'depmod', 'modinfo']) {
			const version = await vm.exec([tool, '--version']);
			t.regex(version.stdout, /kmod version \d+/, `${tool} must be kmod`);
		}
		// kmod's lsmod takes no options; busybox's prints "Not tainted" in its header.
		const lsmod = await vm.exec(['lsmod']);
		t.regex(lsmod.stdout, /^Module\s+Size\s+Used by\n/);
		t.notRegex(lsmod.stdout, /tainted/);
		t.is((await vm.exec(['readlink', '/sbin/lsmod'])).stdout.trim(), '/bin/kmod');
		const dep = await vm.exec(['cat', `/lib/modules/${vm.ready.release}/modules.dep`]);
		t.regex(dep.stdout, /kplug-x25519\.ko:.*libcurve25519\.ko/);
	} finally {
		await vm.close();
	}
});

for (const [cpu, neon] of [['neon', true], ['noneon', false]] as const) {
	test(`CPU model ${cpu}: NEON ${neon ? 'present' : 'absent'} in /proc/cpuinfo`, async t => {
		const {vm} = await bootGuest(ctx, {...guest, cpu}, await logDir(t, cpu));
		try {
			t.is(vm.ready.cpuFeatures.includes('neon'), neon);
			const cpuinfo = await vm.exec(['grep', 'Features', '/proc/cpuinfo']);
			t.is(/\bneon\b/.test(cpuinfo.stdout), neon);
			// Both CPUs of -smp 2 are up (the unplug-under-load scenario needs them), each with the same features.
			t.is(cpuinfo.stdout.trim().split('\n').length, guestCpus);
			t.deepEqual((await vm.exec(['cat', '/sys/devices/system/cpu/online'])).stdout.trim(), `0-${guestCpus - 1}`);
		} finally {
			await vm.close();
		}
	});
}

test('a real kernel panic (sysrq c) is reported as a kernel crash', async t => {
	const {vm} = await bootGuest(ctx, {...guest, cpu: 'neon'}, await logDir(t, 'panic'));
	try {
		const error = await t.throwsAsync(vm.exec(['sh', '-c', 'echo c > /proc/sysrq-trigger'], {step: 'sysrq crash'}), {instanceOf: KernelCrashError});
		t.is(error.step, 'sysrq crash');
		t.regex(error.consoleTail, /sysrq|Kernel panic/);
	} finally {
		await vm.close();
	}
});

test('a guest command that never ends is a request timeout, and the VM still answers', async t => {
	const {vm} = await bootGuest(ctx, {...guest, cpu: 'neon'}, await logDir(t, 'timeout'));
	try {
		await t.throwsAsync(vm.exec(['sleep', '1000'], {timeoutMs: 1500}), {instanceOf: RequestTimeoutError});
		t.is((await vm.exec(['true'])).exitCode, 0);
	} finally {
		await vm.close();
	}
});
