// Out-of-tree module sets in modules/: what is staged into one flat folder and built with M=.
import {access, copyFile, mkdir, readdir, readFile, rm} from 'node:fs/promises';
import {join} from 'node:path';
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
	fromKernel: readonly KernelInput[];
}

// One file a set takes from the kernel tree, staged as `as`. Paths differ between kernels (6.x has the NEON core in
// arch/arm/crypto/, 7.x in lib/crypto/arm/): the first that exists is taken. A file with `ifMissing` may be absent:
// make is then given `ifMissing=n` (else `=y`) and the set builds without it. `onlyWithoutInTree` stages the file
// only on a kernel that builds no in-tree module of that role (make is told `makeVar=y` when it is staged).
export interface KernelInput {
	as: string;
	from: readonly string[];
	ifMissing?: string;
	onlyWithoutInTree?: {role: 'generic'; makeVar: string};
}

// What one kernel gives a set: files to stage, make variables, and the required files it lacks.
export interface ResolvedInputs {
	staged: {as: string; path: string}[];
	makeVars: string[];
	lacking: string[];
}

export async function resolveKernelInputs(set: ModuleSet, source: KernelSource): Promise<ResolvedInputs> {
	const kernel = kernelDef(source.kernel);
	const out: ResolvedInputs = {staged: [], makeVars: [], lacking: []};
	for (const input of set.fromKernel) {
		if (input.onlyWithoutInTree && kernel.inTreeModules[input.onlyWithoutInTree.role]) continue;
		let found: string | undefined;
		for (const rel of input.from) {
			if (await access(join(source.dir, rel)).then(() => true, () => false)) {
				found = rel;
				break;
			}
		}
		if (found) out.staged.push({as: input.as, path: join(source.dir, found)});
		if (input.ifMissing) out.makeVars.push(`${input.ifMissing}=${found ? 'y' : 'n'}`);
		else if (!found) out.lacking.push(input.from.join(' or '));
		if (input.onlyWithoutInTree && found) out.makeVars.push(`${input.onlyWithoutInTree.makeVar}=y`);
	}
	return out;
}

// What the out-of-tree designs (their own libcurve25519 + curve25519-neon) take from the kernel tree: the NEON
// routine, the library's init self-test (7.x has none: its tests are KUnit), and on a kernel without an in-tree
// libcurve25519-generic.ko (7.x) the generic implementation, built into one of kplug's own under that name.
const ownLibFromKernel: readonly KernelInput[] = [
	{as: 'curve25519-core.S', from: ['arch/arm/crypto/curve25519-core.S', 'lib/crypto/arm/curve25519-core.S']},
	{as: 'curve25519-selftest.c', from: ['lib/crypto/curve25519-selftest.c'], ifMissing: 'KPLUG_SELFTEST'},
	{as: 'curve25519-fiat32.c', from: ['lib/crypto/curve25519-fiat32.c'], onlyWithoutInTree: {role: 'generic', makeVar: 'KPLUG_OWN_GENERIC'}},
];

// What mainline's driver takes from a kernel that exports no generic code (7.x): the tree's fiat32, compiled into the
// driver under another name for its GENERIC mode (modules/mainline/Kbuild).
const mainlineFromKernel: readonly KernelInput[] = [
	{as: 'curve25519-fiat32.c', from: ['lib/crypto/curve25519-fiat32.c'], onlyWithoutInTree: {role: 'generic', makeVar: 'KPLUG_REFERENCE_GENERIC'}},
];

// The designs' out-of-tree sets: mainline only needs the driver; weak, softdep and static-call bring
// their own library and arch module (modules/<design>/ + modules/common/).
export const moduleSets: readonly ModuleSet[] = [
	{name: 'mainline', dirs: ['modules/mainline', 'modules/driver'], fromKernel: mainlineFromKernel},
	...['weak', 'softdep', 'static-call'].map(name => ({name, dirs: [`modules/${name}`, 'modules/common', 'modules/driver'], fromKernel: ownLibFromKernel})),
];

export interface ModuleSetBuild {
	set: string;
	key: string;
	dir: string;
	// Module file name (e.g. libcurve25519.ko) → absolute path.
	modules: Record<string, string>;
}

// The parts of a module set's cache key (kernel key, the repo folders, every file staged from the kernel tree).
export async function moduleKeyParts(set: ModuleSet, kernel: KernelBuild, inputs: ResolvedInputs): Promise<Record<string, string>> {
	const parts: Record<string, string> = {set: set.name, kernel: kernel.key};
	for (const dir of set.dirs) parts[`dir:${dir}`] = await hashTree(repoPath(dir));
	for (const {as, path} of inputs.staged) parts[`kernel:${as}`] = sha256(await readFile(path));
	if (inputs.makeVars.length > 0) parts['make'] = inputs.makeVars.join(' ');
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
	// The kernel-tree files are looked up once: the key hashes them and the build stages them.
	const inputs = await resolveKernelInputs(set, source);
	const key = cacheKey(await moduleKeyParts(set, kernel, inputs));
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
					for (const {as, path} of inputs.staged) await copyFile(path, join(staging, as));
					const cfg = makeConfigFor(ctx, source, kernel.dir);
					await ctx.progress.step(`modules ${set.name} for ${profile}`, () =>
						runMake(moduleMakeArgs(cfg, staging, inputs.makeVars), {env: makeEnv(join(ctx.cacheDir, 'ccache'), ctx.cacheDir), logFile, timeoutMs: 20 * 60_000, signal: ctx.signal}),
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
