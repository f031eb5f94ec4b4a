// The kernel's own KUnit suite for the library (7.x: lib/crypto/tests/curve25519_kunit.c), run in a vector cell's
// guest against whichever libcurve25519 the design loaded: a test suite nobody here wrote, through the real API.
// The suite prints KTAP to the kernel log while its module initialises; the kernel tree's kunit.py parses it.
import {writeFile} from 'node:fs/promises';
import {basename, join} from 'node:path';
import type {ProfileBuild} from '../build/build.ts';
import type {KernelDef} from '../build/kernels.ts';
import {kunitParse} from '../util/kunit-parse.ts';
import {guestModuleDir} from '../subject/guest.ts';
import type {VmHandle} from '../vm/vm.ts';
import type {KunitReport} from './types.ts';
import {ktapFromLog} from './kunit-result.ts';

// Load kunit.ko (enabled, autorun: this build's defaults are off) and the suite's module; parse what it printed.
export async function runKunitSuite(vm: VmHandle, build: ProfileBuild, kunit: NonNullable<KernelDef['kunit']>, logDir: string): Promise<KunitReport> {
	const dir = guestModuleDir(build.kernel.release);
	const report: KunitReport = {suite: kunit.suite, module: basename(kunit.module), ktap: []};
	for (const need of kunit.needs) {
		const args = basename(need) === 'kunit.ko' ? ['enable=1', 'autorun=1'] : [];
		const result = await vm.exec(['insmod', `${dir}/${basename(need)}`, ...args], {step: `kunit: insmod ${basename(need)}`});
		if (result.exitCode !== 0) return {...report, loadError: `insmod ${basename(need)}: ${result.stderr.trim().split('\n')[0] ?? ''}`};
	}
	const load = await vm.exec(['insmod', `${dir}/${basename(kunit.module)}`], {step: `kunit: insmod ${basename(kunit.module)}`, timeoutMs: 300_000});
	if (load.exitCode !== 0) report.loadError = `insmod ${basename(kunit.module)}: ${load.stderr.trim().split('\n')[0] ?? ''}`;
	report.ktap = ktapFromLog((await vm.exec(['dmesg'], {step: 'kunit: dmesg'})).stdout);
	if (report.ktap.length === 0) return report;
	const file = join(logDir, `kunit-${kunit.suite}.ktap`);
	await writeFile(file, report.ktap.join('\n') + '\n');
	try {
		const {output, ...counts} = await kunitParse(join(build.kernel.dir, 'source'), file);
		await writeFile(join(logDir, `kunit-${kunit.suite}.parsed.txt`), output);
		report.counts = counts;
	} catch (error) {
		// kunit.py could not read it: the KTAP stays in the report, the counts are absent and this says why.
		report.parseError = (error as Error).message.split('\n')[0];
	}
	return report;
}
