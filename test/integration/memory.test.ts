import test from 'ava';
import {memorySample, situations, withinBootSample} from '../../harness/memory/measure.ts';
import {summarizeRounds} from '../../harness/memory/within-boot.ts';
import {logDir, ourQemus, testGuestContext} from './_context.ts';

const ctx = await testGuestContext();
const situation = (name: string) => situations.find(s => s.name === name)!;

test('weak on the default profile: the arch module has a non-zero measured size when loaded, none when absent', async t => {
	const cfg = {design: 'weak' as const, profile: 'thumb2', cpu: 'neon'};
	const loaded = await memorySample(ctx, cfg, situation('loaded'), await logDir(t, 'mem-loaded'));
	t.true(loaded.archResident);
	t.true((loaded.archCoreSize ?? 0) > 0);
	t.true((loaded.archVmallocPages ?? 0) > 0);
	t.true((loaded.archProcModulesSize ?? 0) >= (loaded.archCoreSize ?? 0));
	t.true(loaded.mem.MemAvailable > 0);
	const absent = await memorySample(ctx, cfg, situation('absent'), await logDir(t, 'mem-absent'));
	t.false(absent.archResident);
	t.is(absent.archCoreSize, undefined);
	t.false(absent.loaded.includes('curve25519_neon'));
	t.true(absent.loaded.includes('libcurve25519'));
	t.deepEqual(await ourQemus(), []);
});

test('within one boot: VmallocUsed moves by exactly the module\'s own vmallocinfo pages where it loads, by nothing where the kernel refuses it', async t => {
	const withNeon = await withinBootSample(ctx, {design: 'weak', profile: 'thumb2', cpu: 'neon'}, 3, await logDir(t, 'within-neon'));
	const neon = summarizeRounds(withNeon.rounds);
	t.deepEqual(withNeon.failedSteps, []);
	t.is(neon.rounds, 3);
	t.is(neon.residentRounds, 3);
	const vmallocUsed = (s: typeof neon) => s.figures.find(f => f.field === 'VmallocUsed')!;
	// Two readings the module cannot influence: the VmallocUsed change and the module's own vmallocinfo area.
	t.true((neon.exact?.vmallocPages ?? 0) > 0);
	t.is(vmallocUsed(neon).insert.median, (neon.exact?.vmallocPages ?? 0) * 4);
	t.is(vmallocUsed(neon).residual.median, 0, 'removing it gives the pages back');
	t.is(neon.exact?.coreSize, neon.exact?.procModulesSize);
	const withoutNeon = summarizeRounds((await withinBootSample(ctx, {design: 'weak', profile: 'thumb2', cpu: 'noneon'}, 3, await logDir(t, 'within-noneon'))).rounds);
	t.is(withoutNeon.residentRounds, 0);
	t.regex(withoutNeon.refused ?? '', /No such device/);
	t.is(vmallocUsed(withoutNeon).insert.median, 0);
	t.deepEqual(await ourQemus(), []);
});
