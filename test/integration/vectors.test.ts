import test from 'ava';
import {runVectorCell} from '../../harness/vectors/cell.ts';
import {loadVectorSet} from '../../harness/vectors/select.ts';
import {logDir, ourQemus, testGuestContext} from './_context.ts';

const ctx = await testGuestContext();

for (const design of ['weak', 'mainline'] as const) {
	test(`${design}: all 518 Wycheproof vectors (+ RFC 7748, random) pass through both paths on the default profile`, async t => {
		const set = await loadVectorSet({includeWycheproof: true, includeRfc: true, random: 100, seed: 7});
		t.is(set.vectors.filter(v => v.source === 'wycheproof').length, 518);
		const report = await runVectorCell(ctx, {design, profile: 'thumb2', cpu: 'neon'}, set.vectors, set.iterated, set.seed, await logDir(t, `vectors-${design}`));
		t.is(report.error, undefined);
		t.deepEqual(report.paths.map(p => p.path), ['api', 'generic']);
		for (const path of report.paths) {
			t.is(path.total, set.vectors.length);
			t.deepEqual(path.failed, [], `${path.path} failures`);
			t.is(path.passed, set.vectors.length);
			t.true(path.opsPerSecond > 0);
		}
		t.deepEqual(report.paths[0]!.servedBy, [design === 'weak' ? 'arch' : 'arch-entry']);
		t.deepEqual(report.paths[1]!.servedBy, ['generic']);
		t.true(report.iterated.length > 0 && report.iterated.every(i => i.passed));
		t.deepEqual(await ourQemus(), []);
	});
}
