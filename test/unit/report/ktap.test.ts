import test from 'ava';
import {writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {renderKtap} from '../../../harness/report/ktap.ts';
import {kernelTreesWithKunit, kunitParse, parseKunitSummary} from '../../../harness/util/kunit-parse.ts';
import type {Report} from '../../../harness/report/schema.ts';
import {defaultCacheDir} from '../../../harness/util/paths.ts';
import {haveTool} from '../../../harness/util/exec.ts';
import {recordedReport} from './_recorded-report.ts';
import {sampleReport} from './_sample-report.ts';
import {tempDir, type Teardown} from '../../_temp.ts';

const tree = (await kernelTreesWithKunit(defaultCacheDir())).at(-1);
const ready = tree !== undefined && (await haveTool('python3'));
const kunit = ready ? test : test.skip;
const why = ready ? '' : ' [skipped: no extracted kernel source with kunit.py or no python3; run `npm run kplug -- setup` and `npm run kplug -- build`]';

// What kunit.py should count, worked out from the report itself: one leaf per claim result (pair claims
// included), one per cell without claims, one per cell not run.
function expected(report: Report): {total: number; passed: number; failed: number; skipped: number} {
	const count = {total: 0, passed: 0, failed: 0, skipped: 0};
	const add = (kind: 'passed' | 'failed' | 'skipped'): void => {
		count.total++;
		count[kind]++;
	};
	for (const c of report.cells) {
		const results = [...c.claims, ...(report.pairClaims ?? []).filter(p => (p.cells?.[1] ?? p.cells?.[0]) === c.cellKey)];
		if (results.length === 0) add(c.status === 'error' ? 'failed' : 'skipped');
		for (const r of results) add(r.verdict === 'holds' ? 'passed' : r.verdict === 'n/a' ? 'skipped' : 'failed');
	}
	report.notRun.forEach(() => add('skipped'));
	return count;
}

async function parsed(t: Teardown, report: Report) {
	const dir = await tempDir(t, 'ktap');
	const file = join(dir, 'report.ktap');
	await writeFile(file, renderKtap(report));
	return kunitParse(tree!, file);
}

test('KTAP version 1: one subtest per cell, one result per claim, n/a as SKIP, evidence as diagnostics', t => {
	const ktap = renderKtap(sampleReport());
	const lines = ktap.split('\n');
	t.deepEqual(lines.slice(0, 2), ['KTAP version 1', '1..8']);
	t.true(ktap.includes('    # Subtest: mainline/thumb2/neon/lib-first\n    1..3\n'));
	t.true(ktap.includes('    # C3: fails — library insmod exit code\n    not ok 3 C3\n'));
	t.true(ktap.includes('    ok 1 C1 # SKIP n/a\n'));
	t.regex(ktap, /^not ok \d+ mainline\/thumb2\/neon\/lib-first$/m);
	t.regex(ktap, /^not ok \d+ weak\/thumb2\/noneon\/lib-first$/m, 'an errored cell is not ok');
	t.regex(ktap, /^ok \d+ mainline\/thumb2\/noneon\/lib-first # SKIP not run$/m);
	t.false(ktap.includes('\u001b'), 'control characters are made visible');
	t.false(lines.some(l => /^\s*# .*Subtest:/.test(l) && !/^\s*# Subtest: \S+$/.test(l)), 'evidence never looks like a subtest header');
});

test('parseKunitSummary reads kunit.py\'s closing line (colour codes and all)', t => {
	const counts = parseKunitSummary('[10:00:00] \u001b[1;31mTesting complete. Ran 9 tests: passed: 5, failed: 2, skipped: 2\u001b[0m\n', 1);
	t.like(counts, {total: 9, passed: 5, failed: 2, skipped: 2, crashed: 0, exitCode: 1});
	t.throws(() => parseKunitSummary('nothing here', 0), {message: /no summary line/});
});

kunit(`the kernel's kunit.py parse accepts the sample report's KTAP and counts it right${why}`, async t => {
	const report = sampleReport();
	const counts = await parsed(t, report);
	t.like(counts, {...expected(report), crashed: 0, errors: 0});
	t.is(counts.failed, 2, 'a failing claim and an errored cell');
	t.is(counts.exitCode, 1, 'kunit.py fails when a test failed');
});

kunit(`kunit.py parse on the recorded run: every claim result counted, a flipped verdict moves one count${why}`, async t => {
	const report = recordedReport();
	const before = await parsed(t, report);
	t.like(before, {...expected(report), crashed: 0, errors: 0});
	const holding = report.cells.find(c => c.claims.some(r => r.verdict === 'holds'))!;
	holding.claims.find(r => r.verdict === 'holds')!.verdict = 'fails';
	const after = await parsed(t, report);
	t.is(after.failed, before.failed + 1);
	t.is(after.passed, before.passed - 1);
	// Nothing but claims that hold or do not apply: kunit.py passes.
	const clean = sampleReport();
	clean.cells = clean.cells.filter(c => c.status !== 'error').map(c => ({...c, claims: c.claims.map(r => ({...r, verdict: r.verdict === 'fails' ? 'holds' : r.verdict}))}));
	t.is((await parsed(t, clean)).exitCode, 0);
});
