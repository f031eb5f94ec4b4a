// Every kernel object (6.12 and 7.3 fetched from the host's Debian mirror): built (thumb2), booted without kplug's
// modules; the guest's /proc/version must be the source package's upstream version.
import {access, readFile} from 'node:fs/promises';
import {join} from 'node:path';
import test from 'ava';
import {execa} from 'execa';
import {kernelDef, kernels} from '../../harness/build/kernels.ts';
import {parseDotConfig} from '../../harness/build/fragment.ts';
import type {Report, VectorCellReport} from '../../harness/report/schema.ts';
import {kunitPassed} from '../../harness/vectors/kunit-result.ts';
import {bootGuest, profileBuild} from '../../harness/subject/guest.ts';
import {repoPath} from '../../harness/util/paths.ts';
import {logDir, ourQemus, testGuestContext} from './_context.ts';
import {tempDir, type Teardown} from '../_temp.ts';

const kplug = repoPath('harness/bin/kplug.mjs');
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

for (const id of kernels.map(k => k.id)) {
	test(`kernel ${id} (thumb2): source, build, boots to the agent, /proc/version is ${kernelDef(id).package}'s`, async t => {
		const ctx = await testGuestContext();
		const build = await profileBuild(ctx, 'thumb2', id);
		t.is(build.kernel.kernel, id);
		t.is(build.kernel.sourcePackage, kernelDef(id).package);
		// Debian version 7.3.4-1~bpo13+1 → upstream 7.3.4.
		const upstream = build.kernel.sourceVersion.replace(/-[^-]+$/, '');
		t.regex(upstream, new RegExp(`^${escape(id)}\\.\\d+$`), build.kernel.sourceVersion);
		for (const path of Object.values(build.kernel.inTreeModules)) await t.notThrowsAsync(access(path), path);
		const kunit = kernelDef(id).kunit;
		for (const file of kunit ? [...kunit.needs, kunit.module] : []) await t.notThrowsAsync(access(join(build.kernel.dir, file)), file);
		const dotConfig = parseDotConfig(await readFile(join(build.kernel.dir, '.config'), 'utf8'));
		t.is(dotConfig.get('CRYPTO_LIB_CURVE25519'), 'm');
		if (!kernelDef(id).inTreeModules.arch) await t.throwsAsync(access(join(build.kernel.dir, 'arch/arm/crypto/curve25519-neon.ko')));
		const {vm} = await bootGuest(ctx, {kernel: id, profile: 'thumb2', cpu: 'neon', withArch: false}, await logDir(t, `kernel-${id}`));
		t.teardown(() => vm.close());
		t.is(vm.ready.release, build.kernel.release);
		const version = await vm.exec(['cat', '/proc/version']);
		t.is(version.exitCode, 0, version.stderr);
		t.log(version.stdout.trim());
		t.regex(version.stdout, new RegExp(`^Linux version ${escape(upstream)} \\(kplug@kplug\\) \\(arm-linux-gnueabihf-gcc`));
		await vm.close();
		t.deepEqual(await ourQemus(), []);
	});
}

// Designs across kernels: on 6.12 every design builds and matches the baseline recorded there (which matched 6.1's
// outcomes cell for cell, the preloaded kpp aside); a design that does not build on a kernel is listed with the
// compiler's (or the missing file's) line, never dropped.
async function runOn(t: Teardown, kernel: string, filter: string[]): Promise<{exitCode: number | undefined; report: Report}> {
	const out = await tempDir(t, 'kernels');
	const result = await execa('node', [kplug, 'run', '--kernel', kernel, ...filter, '--json', '--out', out], {reject: false, env: {CI: 'true'}});
	if (!result.stdout.startsWith('{')) throw new Error(`kplug run failed (exit ${result.exitCode}): ${result.stderr.split('\n').slice(-5).join('\n')}`);
	return {exitCode: result.exitCode, report: JSON.parse(result.stdout) as Report};
}

test('6.12: all four designs build, load, and match the 6.12 baseline (kpp preloaded)', async t => {
	// bookworm's kmod only (test/integration/userlands.test.ts runs trixie's on 6.12).
	const {exitCode, report} = await runOn(t, '6.12', ['--userland', 'bookworm', '--scenario', 'arch-first,lib-first,no-arch']);
	t.is(report.cells.length, 24);
	t.deepEqual(report.cells.filter(c => c.status !== 'completed').map(c => `${c.cellKey}: ${c.error?.message}`), []);
	t.deepEqual(report.deviations, []);
	t.is(exitCode, 0);
	for (const c of report.cells) {
		t.regex(c.cellKey, /^[a-z-]+\/thumb2@6\.12\/(neon|noneon)\//);
		t.true(c.modulesAtEnd.some(m => m.name === 'kpp'), `${c.cellKey}: kpp preloaded`);
	}
	t.deepEqual(await ourQemus(), []);
});

test('7.3: every design builds (own-library sets: NEON core from lib/crypto/arm, kplug\'s own generic module, no self-test; mainline: the kernel\'s one libcurve25519.ko)', async t => {
	const {report} = await runOn(t, '7.3', ['--scenario', 'arch-first', '--cpu', 'neon']);
	t.deepEqual(report.cells.map(c => c.id.design).sort(), ['mainline', 'softdep', 'static-call', 'weak']);
	for (const c of report.cells) {
		t.is(c.status, 'completed', `${c.cellKey}: ${c.error?.message}`);
		if (c.id.design === 'mainline') continue;
		t.true(c.kernelLogOfInterest.some(l => /design: no init self-test/.test(l)), c.cellKey);
		t.true(c.modulesAtEnd.some(m => m.name === 'libcurve25519_generic'), c.cellKey);
	}
	// The library ran on the NEON core where the arch module loaded first (weak, softdep; static-call's needs the library).
	const weak = report.cells.find(c => c.id.design === 'weak')!;
	t.deepEqual(weak.probes.find(p => p.label === 'end')?.kernel?.paths, ['arch-glue→neon']);
	t.deepEqual(await ourQemus(), []);
});

// mainline@7.3: no arch and no generic module; the NEON core is linked into libcurve25519 behind a static key.
test('7.3 mainline (consolidated): the library loads on a CPU without NEON and serves every vector and the kernel\'s KUnit suite; its NEON core stays resident, idle; blacklisting cannot switch it off', async t => {
	const {exitCode, report} = await runOn(t, '7.3', ['--design', 'mainline', '--scenario', 'arch-first,blacklist-modprobe-d']);
	t.is(report.cells.length, 4);
	t.deepEqual(report.deviations, []);
	t.is(exitCode, 0);
	for (const c of report.cells) {
		t.is(c.status, 'completed', `${c.cellKey}: ${c.error?.message}`);
		t.is(c.archModule, 'libcurve25519');
		t.deepEqual(c.kallsymsNeon, {present: true, owner: 'libcurve25519'}, c.cellKey);
		t.false(c.modulesAtEnd.some(m => m.name === 'curve25519_neon' || m.name === 'libcurve25519_generic'), c.cellKey);
		const end = c.probes.find(p => p.label === 'end')!;
		t.true(end.apiTotal > 0 && end.apiPassed === end.apiTotal, c.cellKey);
		t.deepEqual(end.kernel?.paths, [c.id.cpu === 'neon' ? 'arch-glue→neon' : 'arch-glue→generic'], c.cellKey);
		const verdict = (claim: string): string | undefined => c.claims.find(r => r.claim === claim)?.verdict;
		if (c.id.scenario === 'arch-first') t.truthy(c.steps.find(s => s.label === 'insmod arch')?.skipped, c.cellKey);
		if (c.id.cpu === 'noneon') t.deepEqual([verdict('C3'), verdict('C8')], ['fails', 'fails'], c.cellKey);
		else t.deepEqual([verdict('C4'), verdict('C8')], ['holds', 'holds'], c.cellKey);
		if (c.id.scenario === 'blacklist-modprobe-d') t.is(verdict('C2'), 'fails', c.cellKey);
		t.is(verdict('C5b'), 'n/a');
	}
	// Every vector through the library's API on the CPU without NEON (generic inside libcurve25519), and through the
	// driver's own copy of the tree's fiat32 (7.3 exports no generic code).
	const out = await tempDir(t, 'kernels');
	const vectors = await execa('node', [kplug, 'vectors', '--kernel', '7.3', '--design', 'mainline', '--cpu', 'noneon', '--json', '--out', out], {reject: false, env: {CI: 'true'}});
	t.is(vectors.exitCode, 0, vectors.stderr.split('\n').slice(-3).join('\n'));
	const cell = (JSON.parse(vectors.stdout) as VectorCellReport[])[0]!;
	t.is(cell.unavailable, undefined);
	// The kernel's own KUnit suite ran against the consolidated library and kunit.py read its KTAP.
	t.true(cell.kunit !== undefined && kunitPassed(cell.kunit), JSON.stringify(cell.kunit));
	t.true((cell.kunit?.counts?.passed ?? 0) >= 2);
	t.deepEqual(cell.paths.map(p => p.path), ['api', 'generic']);
	for (const path of cell.paths) t.true(path.total > 1000 && path.passed === path.total, `${path.path}: ${path.passed}/${path.total}`);
	t.deepEqual(await ourQemus(), []);
});
