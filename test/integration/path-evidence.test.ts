// Kernel-side path evidence (kprobe hit counts) against the module-reported path, on the default
// profile, and who answered a removal: kmod's rmmod or the kernel's delete_module.
import test from 'ava';
import {execa} from 'execa';
import type {Report} from '../../harness/report/schema.ts';
import type {CellResult, PathProbe} from '../../harness/scenarios/types.ts';
import {repoPath} from '../../harness/util/paths.ts';
import {ourQemus} from './_context.ts';
import {tempDir, type Teardown} from '../_temp.ts';

const kplug = repoPath('harness/bin/kplug.mjs');

async function runCells(t: Teardown, filter: string[]): Promise<Report> {
	const out = await tempDir(t, 'paths');
	// Exit 1 is fine here (deviations are the matrix test's business); 2 or more is not.
	const result = await execa('node', [kplug, 'run', ...filter, '--json', '--out', out], {reject: false, env: {CI: 'true'}});
	if (!result.stdout.startsWith('{')) throw new Error(`kplug run failed (exit ${result.exitCode}): ${result.stderr.split('\n').slice(-5).join('\n')}`);
	return JSON.parse(result.stdout) as Report;
}

const end = (c: CellResult): PathProbe => {
	const probe = c.probes.find(p => p.label === 'end');
	if (!probe) throw new Error(`${c.cellKey}: no end probe`);
	return probe;
};

test('kernel-side counts agree with the module-reported path in arch-first, lib-first and no-arch', async t => {
	const report = await runCells(t, ['--profile', 'thumb2', '--scenario', 'arch-first,lib-first,no-arch']);
	t.is(report.cells.length, 24, 'every design × 2 CPUs × 3 scenarios');
	// A contradiction would have made the cell an error (PathContradiction); none may be.
	t.deepEqual(report.cells.filter(c => c.status !== 'completed').map(c => `${c.cellKey}: ${c.error?.message}`), []);
	const byKey = new Map(report.cells.map(c => [c.cellKey, c]));
	for (const cell of report.cells) {
		t.true(cell.tracing?.ok, `${cell.cellKey}: ${cell.tracing?.message}`);
		const probe = end(cell);
		if (!probe.driverLoaded) continue;
		const kernel = probe.kernel;
		t.truthy(kernel, `${cell.cellKey}: kernel evidence`);
		const total = kernel!.counts.neon + kernel!.counts.generic;
		t.true(total >= probe.apiTotal, `${cell.cellKey}: ${total} entries for ${probe.apiTotal} calls`);
		if (probe.apiPaths.includes('arch') || probe.apiPaths.includes('arch-entry')) t.true(kernel!.paths.some(p => p.startsWith('arch-glue')), cell.cellKey);
		if (probe.apiPaths.join() === 'generic') t.deepEqual(kernel!.paths, ['generic'], cell.cellKey);
	}
	// NEON CPU, arch first: the NEON core ran, once per call.
	const weakArch = end(byKey.get('weak/thumb2/neon/arch-first')!);
	t.deepEqual(weakArch.kernel?.paths, ['arch-glue→neon']);
	t.is(weakArch.kernel?.counts.neon, weakArch.apiTotal);
	t.is(weakArch.kernel?.counts.generic, 0);
	// Weak lib-first: the arch module is loaded, the kernel never entered it.
	const weakLibFirst = byKey.get('weak/thumb2/neon/lib-first')!;
	t.true(weakLibFirst.modulesAtEnd.some(m => m.name === 'curve25519_neon'));
	t.deepEqual(end(weakLibFirst).kernel?.paths, ['generic']);
	t.is(end(weakLibFirst).kernel?.counts.neon, 0);
	// Load order is a pair claim: it fails for the weak design on a NEON CPU.
	t.is(report.pairClaims?.find(p => p.cells?.[0] === 'weak/thumb2/neon/arch-first')?.verdict, 'fails');
	t.deepEqual(await ourQemus(), []);
});

test('on a CPU without NEON the mainline API path enters the arch glue, then the generic implementation', async t => {
	const report = await runCells(t, ['--design', 'mainline', '--profile', 'thumb2', '--cpu', 'noneon', '--scenario', 'arch-first']);
	const [cell] = report.cells;
	t.is(cell?.status, 'completed', cell?.error?.message);
	const probe = end(cell!);
	t.deepEqual(probe.apiPaths, ['arch-entry'], 'the module can only say "arch-entry"');
	t.deepEqual(probe.kernel?.paths, ['arch-glue→generic']);
	t.is(probe.kernel?.counts.neon, 0);
	t.is(probe.kernel?.counts.arch, probe.apiTotal);
	t.true((probe.kernel?.counts.generic ?? 0) >= probe.apiTotal);
	t.is(cell!.claims.find(c => c.claim === 'C8')?.verdict, 'fails');
});

test('removing the arch module in use: kmod says EBUSY itself, the kernel says EAGAIN; runtime unplug fails', async t => {
	const report = await runCells(t, ['--design', 'mainline,weak', '--profile', 'thumb2', '--cpu', 'neon', '--scenario', 'rmmod,runtime-unplug']);
	t.is(report.cells.length, 4);
	for (const cell of report.cells) {
		t.is(cell.status, 'completed', cell.error?.message);
		const rmmod = cell.steps.find(s => s.label === 'rmmod arch');
		const kernel = cell.steps.find(s => s.label === 'delete_module arch');
		t.is(kernel?.tool, 'kernel', cell.cellKey);
		t.is(kernel?.errno, 'EAGAIN', `${cell.cellKey}: ${kernel?.message}`);
		if (cell.id.scenario === 'rmmod') {
			t.is(rmmod?.tool, 'kmod');
			t.is(rmmod?.errno, 'EBUSY', rmmod?.message);
			t.regex(rmmod?.message ?? '', /is in use by/);
			t.is(cell.claims.find(c => c.claim === 'C5a')?.verdict, 'holds');
		} else {
			t.is(cell.claims.find(c => c.claim === 'C5b')?.verdict, 'fails');
			t.regex(cell.claims.find(c => c.claim === 'C5b')?.evidence ?? '', /the kernel refused delete_module\(curve25519_neon, O_NONBLOCK\) with EAGAIN/);
		}
	}
	t.deepEqual(await ourQemus(), []);
});

// The rival designs: the library does not pin the arch module, so it can be unplugged under load. On two CPUs
// how many in-flight removals go through is timing (softdep's call in flight holds a symbol_get reference);
// the removal once the caller has stopped is not.
test('unplug under load: softdep and static-call can be removed (static-call even mid-call), every result right; weak refuses', async t => {
	const report = await runCells(t, ['--design', 'weak,softdep,static-call', '--profile', 'thumb2', '--cpu', 'neon', '--scenario', 'unplug-under-load']);
	t.is(report.cells.length, 3);
	for (const cell of report.cells) {
		t.is(cell.status, 'completed', cell.error?.message);
		const load = cell.steps.find(s => s.load)?.load;
		t.truthy(load, cell.cellKey);
		t.true(load!.iterations > 0 && load!.iterations <= 100, `${cell.cellKey}: ${load!.iterations}`);
		t.is(load!.removed + load!.removeRefused, load!.iterations, cell.cellKey);
		t.is(load!.wrong, 0, cell.cellKey);
		t.true(load!.callerRanAcross > 0 && load!.calls > 0, cell.cellKey);
		t.true((load!.kernel?.counts.neon ?? 0) > 0, JSON.stringify(load!.kernel?.counts));
		const c5b = cell.claims.find(c => c.claim === 'C5b');
		if (cell.id.design === 'weak') {
			t.is(load!.afterRemoval, undefined, 'no run after a refused removal');
			t.is(load!.removed, 0);
			t.is(load!.idle, 'refused');
			t.is(c5b?.verdict, 'fails');
			t.true(Object.keys(load!.refusals).some(r => r.includes('is in use by: libcurve25519')), JSON.stringify(load!.refusals));
		} else {
			t.is(load!.idle, 'removed', cell.cellKey);
			t.is(c5b?.verdict, 'holds', c5b?.evidence);
			// After the idle removal the caller ran on without the arch module: right, and on the generic code only.
			const after = load!.afterRemoval;
			t.true((after?.calls ?? 0) > 0 && after?.wrong === 0, JSON.stringify(after));
			t.is(after?.kernel?.counts.neon, 0, JSON.stringify(after?.kernel?.counts));
			t.is(after?.kernel?.counts.generic, after?.calls, JSON.stringify(after?.kernel?.counts));
			// The cell ends with the arch module back in place.
			t.true(cell.modulesAtEnd.some(m => m.name === 'curve25519_neon'), cell.cellKey);
			// Refusals, if any, are a call in flight: kmod's own "in use" check, or the kernel's EAGAIN when a
			// reference was taken between kmod's check and delete_module; never anything else.
			t.true(Object.keys(load!.refusals).every(r => /^refused: .*(is in use|Resource temporarily unavailable)$|^insert-failed: .*File exists$/.test(r)), JSON.stringify(load!.refusals));
		}
		if (cell.id.design === 'static-call') {
			// Nothing holds static-call's arch module: every removal goes through, and the kernel saw both paths.
			t.is(load!.removed, load!.iterations);
			t.is(load!.inserted, load!.iterations);
			t.true((load!.kernel?.counts.generic ?? 0) > 0, JSON.stringify(load!.kernel?.counts));
		}
	}
	t.deepEqual(await ourQemus(), []);
});
