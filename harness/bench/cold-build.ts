// bench --cold: kplug's cold kernel build next to a plain `make` of the same .config on the same machine, then a
// second profile on the same compiler cache (what ccache carries over between profiles).
import {copyFile, mkdir, mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {CcacheDelta} from '../build/ccache.ts';
import {buildContext, crossCompile, type BuildContext} from '../build/context.ts';
import {ensureKernel} from '../build/kernel.ts';
import {kernelMakeArgs, runMake, type KernelMakeConfig} from '../build/make.ts';
import {defaultProfile, loadProfile} from '../build/profiles.ts';
import {ensureKernelSource, type KernelSource} from '../build/source.ts';
import {ccacheFigure, round, timed, withCcacheDelta, type Figure} from './figures.ts';

// Built second on the first one's ccache: it differs from thumb2 in CONFIG_ARM_MODULE_PLTS only.
const secondProfile = 'thumb2-noplts';

// The plain build's make runs: the kernel's own config step on the copied .config, then the same targets as kplug.
// Nothing of kplug's: no fragment merge or validation, no KBUILD_BUILD_* or CCACHE_BASEDIR environment.
export function plainMakeRuns(cfg: KernelMakeConfig): string[][] {
	return [kernelMakeArgs(cfg, ['olddefconfig']), kernelMakeArgs(cfg, ['zImage', 'modules'])];
}

async function plainMake(source: KernelSource, config: string, outDir: string, ccacheDir: string, ctx: BuildContext): Promise<void> {
	await mkdir(outDir, {recursive: true});
	await copyFile(config, join(outDir, '.config'));
	const cfg: KernelMakeConfig = {source: source.dir, outDir, jobs: ctx.jobs, crossCompile, useCcache: true};
	const logFile = `${outDir}.log`;
	for (const argv of plainMakeRuns(cfg)) {
		await ctx.progress.step(`plain make ${argv.at(-1)} (log: ${logFile})`, () =>
			runMake(argv, {env: {CCACHE_DIR: ccacheDir}, logFile, timeoutMs: 60 * 60_000, signal: ctx.signal}),
		);
	}
}

async function measured<T>(ccacheDir: string, work: () => Promise<T>): Promise<{ms: number; value: T; ccache: CcacheDelta | undefined}> {
	const {value, ccache} = await withCcacheDelta(ccacheDir, () => timed(work));
	return {...value, ccache};
}

// Both builds start from an empty scratch ccache of their own (so ccache's cost on a miss is on both sides) and use
// the same -j and the already extracted source; kplug runs first (its .config is the plain build's input), so any
// warm-up of the page cache favours the plain build. The scratch folder is removed afterwards.
export async function coldFigures(ctx: BuildContext): Promise<Figure[]> {
	const source = await ensureKernelSource(ctx.cacheDir, ctx.progress);
	const scratch = await mkdtemp(join(tmpdir(), 'kplug-bench-cold-'));
	try {
		const cold: BuildContext = {...buildContext(join(scratch, 'cache'), ctx.progress, ctx.signal), jobs: ctx.jobs};
		const kplugCcache = join(scratch, 'cache', 'ccache');
		const first = await loadProfile(defaultProfile);
		const kplug = await measured(kplugCcache, () => ensureKernel(cold, source, first));
		const plain = await measured(join(scratch, 'plain-ccache'), () => plainMake(source, join(kplug.value.dir, '.config'), join(scratch, 'plain'), join(scratch, 'plain-ccache'), cold));
		const next = await measured(kplugCcache, async () => ensureKernel(cold, source, await loadProfile(secondProfile)));
		const how = `-j${ctx.jobs}, empty scratch ccache each, kplug first`;
		return [
			{name: `cold kernel build ${first.name}: kplug`, value: round(kplug.ms / 1000, 0), unit: 's', detail: 'allnoconfig + fragments, validation, make zImage modules'},
			{name: `cold kernel build ${first.name}: plain make of the same .config`, value: round(plain.ms / 1000, 0), unit: 's', detail: 'olddefconfig, make zImage modules'},
			{name: 'cold kernel build: kplug / plain make', value: round(kplug.ms / plain.ms), unit: '×', target: '≤ 1.1', detail: how},
			ccacheFigure('ccache within the cold kplug build', kplug.ccache),
			ccacheFigure('ccache within the plain make', plain.ccache),
			{name: `then ${secondProfile} on the same ccache`, value: round(next.ms / 1000, 0), unit: 's'},
			ccacheFigure(`ccache ${first.name} → ${secondProfile}`, next.ccache, '; misses include every object that sees struct module (PLT fields)'),
		];
	} finally {
		await rm(scratch, {recursive: true, force: true});
	}
}
