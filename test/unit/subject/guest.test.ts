import test from 'ava';
import {buildContext} from '../../../harness/build/context.ts';
import type {ProfileBuild} from '../../../harness/build/build.ts';
import {design} from '../../../harness/subject/designs.ts';
import {bootGuest, loadDesignModules} from '../../../harness/subject/guest.ts';
import {createProgress} from '../../../harness/util/progress.ts';
import type {VmHandle} from '../../../harness/vm/vm.ts';

// Booting never runs host setup: a context without the setup's guest packages is a bug in the caller, said at once
// (before any build), not an apt-get run as a side effect.
test('a guest asked for without setup\'s guest packages is an internal error naming what is missing', async t => {
	const ctx = buildContext('/nonexistent-kplug-cache', createProgress({quiet: true}));
	const error = await t.throwsAsync(bootGuest(ctx, {profile: 'thumb2', design: 'weak', cpu: 'neon', withArch: true}, '/nonexistent-kplug-logs'));
	t.regex(error.message, /without guestDebs: a command that boots guests runs setup first/);
});

// One way to load a design's modules (vectors, memory): its load order, the roles asked for, by guest path.
function fakeBuild(): ProfileBuild {
	const set = (name: string): string => `/cache/modules/thumb2-x/${name}`;
	return {
		profile: 'thumb2',
		kernel: {kernel: '6.1', release: '6.1.176', inTreeModules: {lib: '/k/lib/crypto/libcurve25519.ko', generic: '/k/lib/crypto/libcurve25519-generic.ko', arch: '/k/arch/arm/crypto/curve25519-neon.ko'}},
		sets: {'static-call': {set: 'static-call', key: 'k', dir: '/cache/modules/thumb2-x', modules: {'libcurve25519.ko': set('libcurve25519.ko'), 'curve25519-neon.ko': set('curve25519-neon.ko'), 'kplug-x25519.ko': set('kplug-x25519.ko')}}},
	} as unknown as ProfileBuild;
}

function fakeVm(failing: string[]): {vm: VmHandle; argv: string[][]} {
	const argv: string[][] = [];
	const vm = {
		exec: async (a: readonly string[]) => {
			argv.push([...a]);
			const fails = failing.some(f => a[1]!.endsWith(f));
			return {argv: [...a], exitCode: fails ? 1 : 0, signal: undefined, stdout: '', stderr: fails ? 'insmod: ERROR: could not insert module: Unknown symbol in module\nmore' : '', durationMs: 1, console: [], consoleLines: []};
		},
	} as unknown as VmHandle;
	return {vm, argv};
}

test('loadDesignModules: the design\'s load order (static-call: library before arch), guest paths, first stderr line', async t => {
	const d = design('static-call');
	const {vm, argv} = fakeVm(['curve25519-neon.ko']);
	const loads = await loadDesignModules(vm, fakeBuild(), d, ['driver', 'arch', 'lib', 'generic']);
	t.deepEqual(argv.map(a => a[1]), [
		'/lib/modules/6.1.176/kernel/kplug/libcurve25519-generic.ko',
		'/lib/modules/6.1.176/kernel/kplug/libcurve25519.ko',
		'/lib/modules/6.1.176/kernel/kplug/curve25519-neon.ko',
		'/lib/modules/6.1.176/kernel/kplug/kplug-x25519.ko',
	]);
	t.deepEqual(loads.map(l => [l.role, l.exitCode, l.message]), [
		['generic', 0, ''], ['lib', 0, ''], ['arch', 1, 'insmod: ERROR: could not insert module: Unknown symbol in module'], ['driver', 0, ''],
	]);
});

test('loadDesignModules: only the roles asked for, and it stops after a failure the caller says ends it', async t => {
	const d = design('static-call');
	const some = fakeVm([]);
	t.deepEqual((await loadDesignModules(some.vm, fakeBuild(), d, ['generic', 'lib'])).map(l => l.role), ['generic', 'lib']);
	const stop = fakeVm(['libcurve25519.ko']);
	const loads = await loadDesignModules(stop.vm, fakeBuild(), d, d.loadOrder, {stopAfterFailureOf: role => role !== 'arch'});
	t.deepEqual(loads.map(l => [l.role, l.exitCode]), [['generic', 0], ['lib', 1]]);
});
