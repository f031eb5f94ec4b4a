import test from 'ava';
import {memorySample, situations} from '../../harness/memory/measure.ts';
import {logDir, ourQemus, testContext} from './_context.ts';

const ctx = testContext();
const situation = (name: string) => situations.find(s => s.name === name)!;

test('weak on the default profile: the arch module has a non-zero measured size when loaded, none when absent', async t => {
	const cfg = {design: 'weak' as const, profile: 'thumb2', cpu: 'neon'};
	const loaded = await memorySample(ctx, cfg, situation('loaded'), await logDir('mem-loaded'));
	t.true(loaded.archResident);
	t.true((loaded.archCoreSize ?? 0) > 0);
	t.true((loaded.archVmallocPages ?? 0) > 0);
	t.true((loaded.archProcModulesSize ?? 0) >= (loaded.archCoreSize ?? 0));
	t.true(loaded.mem.MemAvailable > 0);
	const absent = await memorySample(ctx, cfg, situation('absent'), await logDir('mem-absent'));
	t.false(absent.archResident);
	t.is(absent.archCoreSize, undefined);
	t.false(absent.loaded.includes('curve25519_neon'));
	t.true(absent.loaded.includes('libcurve25519'));
	t.deepEqual(await ourQemus(), []);
});
