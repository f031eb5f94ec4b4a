// Every kernel object (6.12 and 7.3 fetched from the host's Debian mirror): built (thumb2), booted without kplug's
// modules; the guest's /proc/version must be the source package's upstream version.
import {access, mkdtemp, readFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import test from 'ava';
import {execa} from 'execa';
import {kernelDef, kernels} from '../../harness/build/kernels.ts';
import {parseDotConfig} from '../../harness/build/fragment.ts';
import type {Report} from '../../harness/report/schema.ts';
import {bootGuest, profileBuild} from '../../harness/subject/guest.ts';
import {repoPath} from '../../harness/util/paths.ts';
import {logDir, ourQemus, testGuestContext} from './_context.ts';

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
		const dotConfig = parseDotConfig(await readFile(join(build.kernel.dir, '.config'), 'utf8'));
		t.is(dotConfig.get('CRYPTO_LIB_CURVE25519'), 'm');
		if (!kernelDef(id).inTreeModules.arch) await t.throwsAsync(access(join(build.kernel.dir, 'arch/arm/crypto/curve25519-neon.ko')));
		const {vm} = await bootGuest(ctx, {kernel: id, profile: 'thumb2', cpu: 'neon', withArch: false}, await logDir(`kernel-${id}`));
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
async function runOn(kernel: string, filter: string[]): Promise<{exitCode: number | undefined; report: Report}> {
	const out = await mkdtemp(join(tmpdir(), 'kplug-kernels-'));
	const result = await execa('node', [kplug, 'run', '--kernel', kernel, ...filter, '--json', '--out', out], {reject: false, env: {CI: 'true'}});
	if (!result.stdout.startsWith('{')) throw new Error(`kplug run failed (exit ${result.exitCode}): ${result.stderr.split('\n').slice(-5).join('\n')}`);
	return {exitCode: result.exitCode, report: JSON.parse(result.stdout) as Report};
}

test('6.12: all four designs build, load, and match the 6.12 baseline (kpp preloaded)', async t => {
	const {exitCode, report} = await runOn('6.12', ['--scenario', 'arch-first,lib-first,no-arch']);
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

test('7.3: the own-library designs build (NEON core from lib/crypto/arm, kplug\'s own generic module, no self-test); mainline is listed with the reason it does not build, not dropped', async t => {
	const {report} = await runOn('7.3', ['--scenario', 'arch-first', '--cpu', 'neon']);
	t.deepEqual(report.cells.map(c => c.id.design).sort(), ['mainline', 'softdep', 'static-call', 'weak']);
	for (const c of report.cells) {
		if (c.id.design === 'mainline') {
			t.is(c.status, 'error');
			t.is(c.error?.class, 'ModuleSetBuildError', c.cellKey);
			t.regex(c.error?.message ?? '', /^module set mainline does not build on kernel 7\.3: \S+\.c:\d+:\d+: error: /, c.cellKey);
			continue;
		}
		t.is(c.status, 'completed', `${c.cellKey}: ${c.error?.message}`);
		t.true(c.kernelLogOfInterest.some(l => /design: no init self-test/.test(l)), c.cellKey);
		t.true(c.modulesAtEnd.some(m => m.name === 'libcurve25519_generic'), c.cellKey);
	}
	// The library ran on the NEON core where the arch module loaded first (weak, softdep; static-call's needs the library).
	const weak = report.cells.find(c => c.id.design === 'weak')!;
	t.deepEqual(weak.probes.find(p => p.label === 'end')?.kernel?.paths, ['arch-glue→neon']);
	t.deepEqual(await ourQemus(), []);
});
