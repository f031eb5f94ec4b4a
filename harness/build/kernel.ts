// Cached, validated cross-build of the ARM kernel for one profile.
import {mkdir, readFile, rm, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {isPublished, publishAtomically} from '../util/atomic.ts';
import {cacheKey} from '../util/hash.ts';
import {ConfigValidationError, findMismatches, mergeFragments, parseDotConfig, renderFragment, type ConfigMismatch, type Fragment, type FragmentEntry} from './fragment.ts';
import {crossCompile, logDir, toolchainVersion, type BuildContext} from './context.ts';
import {checkKernelProfile, defaultKernel, kernelDef, kernelFragment, kernelLabel, type InTreeModulePaths, type KernelDef} from './kernels.ts';
import {kernelMakeArgs, makeEnv, runMake, type KernelMakeConfig} from './make.ts';
import {baseFragment, type Profile} from './profiles.ts';
import type {KernelSource} from './source.ts';

// Bump when the build recipe itself changes in a way that changes the output.
const recipeVersion = '1';

export interface KernelBuild {
	// The kernel id (kernels.ts), the source package and version it was built from.
	kernel: string;
	sourcePackage: string;
	sourceVersion: string;
	profile: string;
	key: string;
	// The O= folder: .config, System.map, zImage, in-tree modules, Module.symvers.
	dir: string;
	release: string;
	zImage: string;
	systemMap: string;
	// Paths of the in-tree curve25519 modules this kernel builds (by role; see kernels.ts).
	inTreeModules: InTreeModulePaths;
}

// The parts of the kernel cache key, by name (unit-tested: change one, the key changes).
export function kernelKeyParts(source: KernelSource, fragmentText: string, toolchain: string): Record<string, string> {
	return {
		recipe: recipeVersion,
		sourceVersion: source.packageVersion,
		sourceSha256: source.tarballSha256,
		fragment: fragmentText,
		toolchain,
	};
}

// What later stages read from a kernel build (recorded and checked by the cache manifest); module builds
// read much more of the folder, these are the files whose damage would otherwise show up as a boot timeout.
export function kernelManifestFiles(kernel: KernelDef = kernelDef(defaultKernel)): string[] {
	return ['arch/arm/boot/zImage', 'System.map', 'include/config/kernel.release', '.config', 'Module.symvers', ...Object.values(kernel.inTreeModules), ...(kernel.kunit ? [...kernel.kunit.needs, kernel.kunit.module] : [])];
}

function describe(kernel: KernelDef, source: KernelSource, profile: string, key: string, dir: string, release: string): KernelBuild {
	const {lib, generic, arch} = kernel.inTreeModules;
	const inTree: InTreeModulePaths = {lib: join(dir, lib), ...(generic ? {generic: join(dir, generic)} : {}), ...(arch ? {arch: join(dir, arch)} : {})};
	return {
		kernel: kernel.id,
		sourcePackage: source.package,
		sourceVersion: source.packageVersion,
		profile,
		key,
		dir,
		release,
		zImage: join(dir, 'arch/arm/boot/zImage'),
		systemMap: join(dir, 'System.map'),
		inTreeModules: inTree,
	};
}

// The fragments a kernel build merges, in order: base.config, the kernel's own, the profile's (a later line wins).
export async function configFragments(kernel: KernelDef, profile: Profile): Promise<Fragment[]> {
	return [await baseFragment(), await kernelFragment(kernel), profile.fragment];
}

// What a kernel build asks Kconfig for: the merged fragments, less the base symbols the kernel's Kconfig does not have.
export async function kernelConfigEntries(kernel: KernelDef, profile: Profile): Promise<FragmentEntry[]> {
	const absent = new Set((kernel.notInKconfig ?? []).map(s => s.symbol));
	return mergeFragments(await configFragments(kernel, profile)).filter(e => !absent.has(e.symbol));
}

// Every asked symbol holds its value, and every symbol the kernel says its Kconfig lacks is indeed absent.
export function kernelConfigMismatches(kernel: KernelDef, entries: readonly FragmentEntry[], dotConfig: Map<string, string>): ConfigMismatch[] {
	const present = (kernel.notInKconfig ?? []).filter(s => dotConfig.has(s.symbol));
	return [...findMismatches(entries, dotConfig), ...present.map(s => ({symbol: s.symbol, asked: `absent (${s.why})`, got: dotConfig.get(s.symbol)!, file: 'kernels.ts', line: 0}))];
}

// Make config for a kernel build folder.
export function makeConfigFor(ctx: BuildContext, source: KernelSource, outDir: string): KernelMakeConfig {
	return {source: source.dir, outDir, jobs: ctx.jobs, crossCompile, useCcache: ctx.useCcache};
}

// Build (or find in the cache) the kernel of a profile from a source tree; make is not invoked on a cache hit.
// The default kernel's entries keep their names (<profile>-<key>); another kernel's are prefixed with its id.
export async function ensureKernel(ctx: BuildContext, source: KernelSource, profile: Profile): Promise<KernelBuild> {
	const kernel = kernelDef(source.kernel);
	checkKernelProfile(kernel, profile.name);
	const entries = await kernelConfigEntries(kernel, profile);
	const fragmentText = renderFragment(entries);
	const key = cacheKey(kernelKeyParts(source, fragmentText, await toolchainVersion()));
	const name = kernelLabel(kernel, `${profile.name}-${key}`);
	const label = kernelLabel(kernel, profile.name);
	const dir = join(ctx.cacheDir, 'kernel', name);
	const entry = {files: kernelManifestFiles(kernel), progress: ctx.progress};
	if (await isPublished(dir, entry)) {
		const release = (await readFile(join(dir, 'include/config/kernel.release'), 'utf8')).trim();
		return describe(kernel, source, profile.name, key, dir, release);
	}
	await mkdir(logDir(ctx), {recursive: true});
	const logFile = join(logDir(ctx), `kernel-${name}.log`);
	await rm(logFile, {force: true});
	const env = makeEnv(join(ctx.cacheDir, 'ccache'), ctx.cacheDir);
	await publishAtomically(dir, async tmp => {
		const cfg = makeConfigFor(ctx, source, tmp);
		const fragmentFile = join(tmp, 'kplug.fragment');
		await writeFile(fragmentFile, fragmentText);
		await ctx.progress.step(`kernel ${label}: allnoconfig + fragments`, () =>
			runMake(kernelMakeArgs(cfg, ['allnoconfig']), {env: {...env, KCONFIG_ALLCONFIG: fragmentFile}, logFile, signal: ctx.signal}),
		);
		const mismatches = kernelConfigMismatches(kernel, entries, parseDotConfig(await readFile(join(tmp, '.config'), 'utf8')));
		if (mismatches.length > 0) throw new ConfigValidationError(kernel.id === defaultKernel ? profile.name : `${profile.name} on kernel ${kernel.id}`, mismatches);
		await ctx.progress.step(`kernel ${label}: make -j${ctx.jobs} zImage modules (log: ${logFile})`, () =>
			runMake(kernelMakeArgs(cfg, ['zImage', 'modules']), {env, logFile, timeoutMs: 60 * 60_000, signal: ctx.signal}),
		);
	}, entry);
	const release = (await readFile(join(dir, 'include/config/kernel.release'), 'utf8')).trim();
	return describe(kernel, source, profile.name, key, dir, release);
}
