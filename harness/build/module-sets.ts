// Out-of-tree module sets in modules/: what is staged into one flat folder and built with M=.
import {copyFile, mkdir, readdir, readFile, rm} from 'node:fs/promises';
import {basename, join} from 'node:path';
import {isPublished, publishAtomically, withLock} from '../util/atomic.ts';
import {cacheKey, hashTree, sha256} from '../util/hash.ts';
import {repoPath} from '../util/paths.ts';
import {logDir, type BuildContext} from './context.ts';
import {makeConfigFor, type KernelBuild} from './kernel.ts';
import {kernelDef, kernelLabel} from './kernels.ts';
import {makeEnv, moduleMakeArgs, runMake} from './make.ts';
import type {KernelSource} from './source.ts';

export interface ModuleSet {
	name: string;
	// Repo folders whose files are staged (flat) into the build folder.
	dirs: string[];
	// Files taken from the extracted kernel source at build time (never copied into the repo).
	fromKernel: string[];
}

// What the out-of-tree designs (their own libcurve25519 + curve25519-neon) take from the kernel tree:
// the NEON routine and the library's init self-test.
const ownLibFromKernel = ['arch/arm/crypto/curve25519-core.S', 'lib/crypto/curve25519-selftest.c'];

// The designs' out-of-tree sets: mainline only needs the driver; weak, softdep and static-call bring
// their own library and arch module (modules/<design>/ + modules/common/).
export const moduleSets: readonly ModuleSet[] = [
	{name: 'mainline', dirs: ['modules/mainline', 'modules/driver'], fromKernel: []},
	...['weak', 'softdep', 'static-call'].map(name => ({name, dirs: [`modules/${name}`, 'modules/common', 'modules/driver'], fromKernel: ownLibFromKernel})),
];

export interface ModuleSetBuild {
	set: string;
	key: string;
	dir: string;
	// Module file name (e.g. libcurve25519.ko) → absolute path.
	modules: Record<string, string>;
}

// The parts of a module set's cache key (kernel key + every staged file).
export async function moduleKeyParts(set: ModuleSet, kernel: KernelBuild, source: KernelSource): Promise<Record<string, string>> {
	const parts: Record<string, string> = {set: set.name, kernel: kernel.key};
	for (const dir of set.dirs) parts[`dir:${dir}`] = await hashTree(repoPath(dir));
	for (const file of set.fromKernel) parts[`kernel:${file}`] = sha256(await readFile(join(source.dir, file)));
	return parts;
}

async function listModules(dir: string): Promise<Record<string, string>> {
	const modules: Record<string, string> = {};
	for (const name of (await readdir(dir)).filter(f => f.endsWith('.ko')).sort()) modules[name] = join(dir, name);
	return modules;
}

// Where a set's sources are staged for make M=: one fixed folder per profile and set, reused by every build of it.
// ccache hashes the source path and -I of M= (relative to the kernel folder under CCACHE_BASEDIR), so a fresh
// temporary folder per build missed on every file, unchanged ones included.
export function stagingDir(cacheDir: string, profile: string, set: string): string {
	return join(cacheDir, 'modules', '.staging', `${profile}-${set}`);
}

// Build (or find cached) one module set against a profile's kernel.
export async function ensureModuleSet(ctx: BuildContext, source: KernelSource, kernel: KernelBuild, set: ModuleSet): Promise<ModuleSetBuild> {
	const key = cacheKey(await moduleKeyParts(set, kernel, source));
	// The default kernel's entries keep their names; another kernel's carry its id (7.3-thumb2-…).
	const profile = kernelLabel(kernelDef(kernel.kernel), kernel.profile);
	const dir = join(ctx.cacheDir, 'modules', `${profile}-${set.name}-${key}`);
	const entry = {files: async (d: string) => Object.keys(await listModules(d)), progress: ctx.progress};
	if (!(await isPublished(dir, entry))) {
		await mkdir(logDir(ctx), {recursive: true});
		const logFile = join(logDir(ctx), `modules-${profile}-${set.name}-${key}.log`);
		await rm(logFile, {force: true});
		await publishAtomically(dir, async tmp => {
			const staging = stagingDir(ctx.cacheDir, profile, set.name);
			// Another build of this set (another key, another kplug process) may be using the folder.
			await withLock(staging, async () => {
				await rm(staging, {recursive: true, force: true});
				await mkdir(staging, {recursive: true});
				try {
					for (const d of set.dirs) {
						for (const entry of await readdir(repoPath(d), {withFileTypes: true})) {
							if (entry.isFile()) await copyFile(join(repoPath(d), entry.name), join(staging, entry.name));
						}
					}
					for (const file of set.fromKernel) await copyFile(join(source.dir, file), join(staging, basename(file)));
					const cfg = makeConfigFor(ctx, source, kernel.dir);
					await ctx.progress.step(`modules ${set.name} for ${profile}`, () =>
						runMake(moduleMakeArgs(cfg, staging), {env: makeEnv(join(ctx.cacheDir, 'ccache'), ctx.cacheDir), logFile, timeoutMs: 20 * 60_000, signal: ctx.signal}),
					);
					for (const [name, path] of Object.entries(await listModules(staging))) await copyFile(path, join(tmp, name));
				} finally {
					await rm(staging, {recursive: true, force: true});
				}
			}, ctx.progress);
		}, entry);
	}
	return {set: set.name, key, dir, modules: await listModules(dir)};
}
