// A restored guest that fails before the cell's first step is the saved state's fault, not the kernel's: the state is
// discarded and the cell runs again from a cold boot, with the failed attempt's logs kept. Injected here with a state
// file that is not a migration stream (qemu -incoming fails), on a real VM and a real cold re-run.
import test from 'ava';
import {readdir, readFile, stat, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {runCell} from '../../harness/scenarios/cell.ts';
import {cellResult} from '../../harness/scenarios/claims.ts';
import type {CellId} from '../../harness/scenarios/types.ts';
import {bootGuest} from '../../harness/subject/guest.ts';
import {BadStateError, checkRestorePoint, makeRestorePoint, type Snapshots} from '../../harness/subject/snapshots.ts';
import {smallSubset} from '../../harness/vectors/select.ts';
import {logDir, ourQemus, testGuestContext} from './_context.ts';

test('a restored guest that fails before the first step: the state is discarded and the cell runs again cold', async t => {
	t.timeout(5 * 60_000);
	const ctx = await testGuestContext();
	const dir = await logDir(t, 'restore-fault');
	const bad = join(dir, 'state.bin');
	await writeFile(bad, 'not a migration stream\n');
	const calls: string[] = [];
	const snapshots: Snapshots = {
		restorePoint: async () => {
			calls.push('restorePoint');
			return {stateFile: bad, ready: {kind: 'ready', release: '6.1', uptimeSeconds: 1, cpuFeatures: [], cpuModel: 'ARMv7'}, consoleText: '', prepared: undefined};
		},
		release: async () => {
			calls.push('release');
		},
		discard: async (_spec, why) => {
			calls.push(`discard: ${why}`);
		},
	};
	const id: CellId = {design: 'weak', profile: 'thumb2', cpu: 'neon', scenario: 'arch-first'};
	const result = cellResult(await runCell(ctx, id, dir, await smallSubset(), {snapshots}));
	t.deepEqual(calls.map(c => c.replace(/:.*/, '')), ['restorePoint', 'discard', 'release'], 'one restore, discarded before it is released; the re-run asks no state');
	t.regex(calls[1]!, /^discard: a guest restored from it failed before its first step: qemu-/);
	// The re-run is the cell's result: a cold boot that completed the scenario.
	t.is(result.status, 'completed', result.error?.message);
	t.is(result.timing?.start, 'cold');
	t.true(result.steps.length > 0);
	t.regex(result.snapshotFault ?? '', /^restored from a saved state, the guest failed before the cell's first step \(.+\); the state was discarded and the cell ran again from a cold boot \(the restored attempt's logs: .+\.restored\)$/);
	// Both attempts' logs: the restored one aside, the cold one in the cell's folder.
	const cells = await readdir(join(dir, 'cells'));
	t.deepEqual(cells.sort(), ['weak__thumb2__neon__arch-first', 'weak__thumb2__neon__arch-first.restored']);
	t.regex(await readFile(join(dir, 'cells', 'weak__thumb2__neon__arch-first.restored', 'qemu-argv.json'), 'utf8'), /-incoming/);
	t.notRegex(await readFile(join(dir, 'cells', 'weak__thumb2__neon__arch-first', 'qemu-argv.json'), 'utf8'), /-incoming/);
	t.deepEqual(await ourQemus(), []);
});

test('a saved state is restored once before any cell uses it: one that will not restore is refused, a good one passes', async t => {
	t.timeout(5 * 60_000);
	const ctx = await testGuestContext();
	// The VM options of a real guest, as the store gets them.
	let captured: Parameters<Snapshots['restorePoint']>[1] | undefined;
	const spy: Snapshots = {
		restorePoint: async (_spec, vmOptions) => {
			captured = vmOptions;
			return undefined;
		},
		release: async () => undefined,
		discard: async () => undefined,
	};
	const {vm} = await bootGuest(ctx, {profile: 'thumb2', design: 'weak', cpu: 'neon', withArch: true}, await logDir(t, 'capture'), {snapshots: spy});
	await vm.close();
	const dir = await logDir(t, 'check');
	await writeFile(join(dir, 'bad.bin'), 'not a migration stream\n');
	await t.throwsAsync(checkRestorePoint(captured!, {stateFile: join(dir, 'bad.bin'), ready: vm.ready, consoleText: ''}, join(dir, 'bad-check')), {instanceOf: BadStateError, message: /^its first restore failed: /});
	const point = await makeRestorePoint(captured!, join(dir, 'good'));
	t.true((await stat(point.stateFile)).size > 1_000_000, 'a real migration stream');
	// The check restored it and the guest answered: its console is the boot's, then the restored guest's power-off.
	t.regex(await readFile(join(dir, 'good', 'check', 'console.log'), 'utf8'), /Run \/sbin\/kplug-agent as init process[\s\S]*reboot: Power down/);
	t.deepEqual(await ourQemus(), []);
});
