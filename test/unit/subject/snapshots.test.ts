import test from 'ava';
import {buildContext} from '../../../harness/build/context.ts';
import {cellBootConfig} from '../../../harness/scenarios/cell.ts';
import {expandMatrix} from '../../../harness/scenarios/matrix.ts';
import {bootConfigKey, restoredConsoleProblem, SnapshotStore} from '../../../harness/subject/snapshots.ts';
import {createProgress} from '../../../harness/util/progress.ts';

const base = {profile: 'thumb2', design: 'weak', cpu: 'neon', withArch: true};
// VM options that cannot boot: a test that reached qemu would fail on them.
const noVm = {kernel: '/nonexistent/zImage', initrd: '/nonexistent/initrd', qemuCpu: 'cortex-a15', qemuBinary: '/nonexistent/qemu'};

test('bootConfigKey: what the boot depends on, and only that', t => {
	t.is(bootConfigKey(base), bootConfigKey({...base, kernel: '6.1', memoryMiB: 256, append: [], userland: 'bookworm'}));
	for (const other of [{cpu: 'noneon'}, {withArch: false}, {append: ['module_blacklist=curve25519_neon']}, {design: 'mainline'}, {profile: 'arm'}, {kernel: '6.12'}, {memoryMiB: 512}, {userland: 'trixie'}]) {
		t.not(bootConfigKey({...base, ...other}), bootConfigKey(base), JSON.stringify(other));
	}
});

test('the default matrix: per design × profile × CPU, the ten scenarios with the full image and no extra command line share one boot; three boot alone', async t => {
	const cells = await expandMatrix({designs: ['weak'], profiles: ['thumb2'], cpus: ['neon']});
	const counts = new Map<string, number>();
	for (const c of cells) counts.set(bootConfigKey(cellBootConfig(c)), (counts.get(bootConfigKey(cellBootConfig(c))) ?? 0) + 1);
	t.deepEqual([...counts.values()].sort((a, b) => a - b), [1, 1, 1, cells.length - 3]);
});

test('a boot configuration planned once boots cold: no snapshot is made', async t => {
	const store = new SnapshotStore(buildContext('/nonexistent-cache', createProgress({quiet: true})));
	store.plan(base);
	store.plan({...base, cpu: 'noneon'});
	t.is(await store.restorePoint(base, noVm), undefined);
	await store.release(base);
	await store.dispose();
	t.deepEqual(store.failures, []);
});

test('a snapshot that cannot be made is recorded, and its boots start cold (each meets the failure itself)', async t => {
	const store = new SnapshotStore(buildContext('/nonexistent-cache', createProgress({quiet: true})));
	store.plan(base, 2);
	t.is(await store.restorePoint(base, noVm), undefined);
	t.is(await store.restorePoint(base, noVm), undefined);
	t.is(store.failures.length, 1, 'made once, not once per boot');
	await store.release(base);
	await store.release(base);
	await store.dispose();
});

test('each round of a repeated run has states of its own: a round counts and makes its boots (and their state) apart from the others', async t => {
	const store = new SnapshotStore(buildContext('/nonexistent-cache', createProgress({quiet: true})));
	store.plan(base, 2, 1);
	store.plan(base, 1, 2);
	store.plan(base, 2, 3);
	// Round 2 boots this configuration once: cold, whatever the other rounds plan (no attempt, so no failure).
	t.is(await store.round(2).restorePoint(base, noVm), undefined);
	t.deepEqual(store.failures, []);
	// Rounds 1 and 3 each try their own snapshot (both fail here, once each): round 3 does not reuse round 1's.
	t.is(await store.round(1).restorePoint(base, noVm), undefined);
	t.is(await store.round(1).restorePoint(base, noVm), undefined);
	t.is(store.failures.length, 1);
	t.is(await store.round(3).restorePoint(base, noVm), undefined);
	t.is(store.failures.length, 2);
	t.not(store.failures[0]!.key, store.failures[1]!.key);
	for (const [round, boots] of [[1, 2], [2, 1], [3, 2]] as const) for (let i = 0; i < boots; i++) await store.round(round).release(base);
	await store.dispose();
});

// The console of a guest restored from a bad state (2026-12-01, weak/arm/neon, round 6), after the saved boot's text.
const savedBoot = 'Run /sbin/kplug-agent as init process\nkplug-init: starting agent\ntrace_kprobe: This probe might be able to register after target module is loaded. Continue.\n';
const badRestore = 'BUG: scheduling while atomic: swapper/0/0/0x00010000\nModules linked in:\nCPU: 0 PID: 0 Comm: swapper/0 Not tainted 6.1.192 #1\n schedule_idle from cpu_startup_entry+0x28/0x2c\nreboot: Power down\n';

test('a restored guest\'s console: a BUG after the saved boot\'s text refuses the state; the same text inside the saved boot, or a clean restore, does not', t => {
	t.deepEqual(restoredConsoleProblem(savedBoot + badRestore, savedBoot), {kind: 'bug', line: 'BUG: scheduling while atomic: swapper/0/0/0x00010000'});
	t.is(restoredConsoleProblem(savedBoot + 'reboot: Power down\n', savedBoot), undefined);
	// Call-trace lines alone are not a problem (they follow one).
	t.is(restoredConsoleProblem(savedBoot + ' schedule_idle from cpu_startup_entry+0x28/0x2c\n', savedBoot), undefined);
	t.deepEqual(restoredConsoleProblem(savedBoot + 'Unable to handle kernel NULL pointer dereference at virtual address 00000010\n', savedBoot)?.kind, 'oops');
});
