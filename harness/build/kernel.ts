// Cached, validated cross-build of the ARM kernel for one profile.
import {mkdir, readFile, rm, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {isPublished, publishAtomically} from '../util/atomic.ts';
import {cacheKey} from '../util/hash.ts';
import {ConfigValidationError, findMismatches, mergeFragments, parseDotConfig, renderFragment} from './fragment.ts';
import {crossCompile, logDir, toolchainVersion, type BuildContext} from './context.ts';
import {kernelMakeArgs, makeEnv, runMake, type KernelMakeConfig} from './make.ts';
import type {Profile} from './profiles.ts';
import type {KernelSource} from './source.ts';

// Bump when the build recipe itself changes in a way that changes the output.
const recipeVersion = '1';

export interface KernelBuild {
	profile: string;
	key: string;
	// The O= folder: .config, System.map, zImage, in-tree modules, Module.symvers.
	dir: string;
	release: string;
	zImage: string;
	systemMap: string;
	// Paths of the in-tree curve25519 modules.
	inTreeModules: {lib: string; generic: string; arch: string};
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

const inTreeModules = {
	lib: 'lib/crypto/libcurve25519.ko',
	generic: 'lib/crypto/libcurve25519-generic.ko',
	arch: 'arch/arm/crypto/curve25519-neon.ko',
};

// What later stages read from a kernel build (recorded and checked by the cache manifest); module builds
// read much more of the folder, these are the files whose damage would otherwise show up as a boot timeout.
export const kernelManifestFiles = ['arch/arm/boot/zImage', 'System.map', 'include/config/kernel.release', '.config', 'Module.symvers', ...Object.values(inTreeModules)];

function describe(profile: string, key: string, dir: string, release: string): KernelBuild {
	return {
		profile,
		key,
		dir,
		release,
		zImage: join(dir, 'arch/arm/boot/zImage'),
		systemMap: join(dir, 'System.map'),
		inTreeModules: {lib: join(dir, inTreeModules.lib), generic: join(dir, inTreeModules.generic), arch: join(dir, inTreeModules.arch)},
	};
}

// Make config for a kernel build folder.
export function makeConfigFor(ctx: BuildContext, source: KernelSource, outDir: string): KernelMakeConfig {
	return {source: source.dir, outDir, jobs: ctx.jobs, crossCompile, useCcache: ctx.useCcache};
}

// Build (or find in the cache) the kernel of a profile; make is not invoked on a cache hit.
export async function ensureKernel(ctx: BuildContext, source: KernelSource, profile: Profile): Promise<KernelBuild> {
	const entries = mergeFragments(profile.fragments);
	const fragmentText = renderFragment(entries);
	const key = cacheKey(kernelKeyParts(source, fragmentText, await toolchainVersion()));
	const dir = join(ctx.cacheDir, 'kernel', `${profile.name}-${key}`);
	const entry = {files: kernelManifestFiles, progress: ctx.progress};
	if (await isPublished(dir, entry)) {
		const release = (await readFile(join(dir, 'include/config/kernel.release'), 'utf8')).trim();
		return describe(profile.name, key, dir, release);
	}
	await mkdir(logDir(ctx), {recursive: true});
	const logFile = join(logDir(ctx), `kernel-${profile.name}-${key}.log`);
	await rm(logFile, {force: true});
	const env = makeEnv(join(ctx.cacheDir, 'ccache'), ctx.cacheDir);
	await publishAtomically(dir, async tmp => {
		const cfg = makeConfigFor(ctx, source, tmp);
		const fragmentFile = join(tmp, 'kplug.fragment');
		await writeFile(fragmentFile, fragmentText);
		await ctx.progress.step(`kernel ${profile.name}: allnoconfig + fragments`, () =>
			runMake(kernelMakeArgs(cfg, ['allnoconfig']), {env: {...env, KCONFIG_ALLCONFIG: fragmentFile}, logFile, signal: ctx.signal}),
		);
		const mismatches = findMismatches(entries, parseDotConfig(await readFile(join(tmp, '.config'), 'utf8')));
		if (mismatches.length > 0) throw new ConfigValidationError(profile.name, mismatches);
		await ctx.progress.step(`kernel ${profile.name}: make -j${ctx.jobs} zImage modules (log: ${logFile})`, () =>
			runMake(kernelMakeArgs(cfg, ['zImage', 'modules']), {env, logFile, timeoutMs: 60 * 60_000, signal: ctx.signal}),
		);
	}, entry);
	const release = (await readFile(join(dir, 'include/config/kernel.release'), 'utf8')).trim();
	return describe(profile.name, key, dir, release);
}
