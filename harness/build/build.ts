// The build stage: kernel source → per-profile kernel → per-profile module sets, for one kernel (kernels.ts).
import {KplugError, ToolFailure} from '../util/errors.ts';
import type {BuildContext} from './context.ts';
import {ensureKernel, type KernelBuild} from './kernel.ts';
import {checkKernelProfile, defaultKernel, kernelDef, type KernelDef} from './kernels.ts';
import {ensureModuleSet, moduleSets, resolveKernelInputs, type ModuleSet, type ModuleSetBuild} from './module-sets.ts';
import {selectProfiles, type Profile} from './profiles.ts';
import {ensureKernelSource, type KernelSource} from './source.ts';

export interface ProfileBuild {
	profile: string;
	kernel: KernelBuild;
	// Module set name (mainline, weak, …) → its build: the sets the kernel lists, and any built on demand.
	sets: Record<string, ModuleSetBuild>;
}

// A module set that does not build on a kernel: the same inputs fail the same way, so it is not retried in a
// process, and the cells that need it are listed with this line instead of stopping the run.
export class ModuleSetBuildError extends KplugError {
	override name = 'ModuleSetBuildError';
}

// A module set by name.
export function moduleSet(name: string): ModuleSet {
	const found = moduleSets.find(s => s.name === name);
	if (!found) throw new KplugError(`no module set "${name}" (sets: ${moduleSets.map(s => s.name).join(', ')})`);
	return found;
}

// Build one module set against a kernel. On a kernel other than the default, a set that cannot build there is one
// line: the kernel-tree files it lacks, or the compiler's first error line (the full log is named).
export async function buildModuleSet(ctx: BuildContext, source: KernelSource, kernel: KernelBuild, set: ModuleSet): Promise<ModuleSetBuild> {
	const {lacking} = await resolveKernelInputs(set, source);
	if (lacking.length > 0) throw new ModuleSetBuildError(`module set ${set.name} does not build on kernel ${kernel.kernel}: it takes ${lacking.join(', ')} from the kernel tree, which ${source.package} ${source.packageVersion} does not have`);
	try {
		return await ensureModuleSet(ctx, source, kernel, set);
	} catch (error) {
		if (kernel.kernel === defaultKernel || !(error instanceof ToolFailure) || ctx.signal?.aborted) throw error;
		const [headline = '', ...tail] = error.message.split('\n');
		const first = tail.find(l => /\berror\b|ERROR:/.test(l)) ?? tail[0] ?? '';
		throw new ModuleSetBuildError(`module set ${set.name} does not build on kernel ${kernel.kernel}: ${first.trim()} (${headline})`);
	}
}

// Build one profile: kernel, then the module sets named (default: those the kernel lists).
export async function buildProfile(ctx: BuildContext, source: KernelSource, profile: Profile, sets: readonly string[] = kernelDef(source.kernel).moduleSets): Promise<ProfileBuild> {
	const kernel = await ensureKernel(ctx, source, profile);
	const built: Record<string, ModuleSetBuild> = {};
	for (const name of sets) built[name] = await buildModuleSet(ctx, source, kernel, moduleSet(name));
	return {profile: profile.name, kernel, sets: built};
}

// Build the given profiles of one kernel (each cached by content; default: 6.1).
export async function buildProfiles(ctx: BuildContext, profiles: readonly Profile[], kernel: KernelDef = kernelDef(defaultKernel)): Promise<{source: KernelSource; builds: ProfileBuild[]}> {
	const source = await ensureKernelSource(ctx.cacheDir, ctx.progress, kernel, ctx.signal);
	const builds: ProfileBuild[] = [];
	for (const profile of profiles) builds.push(await buildProfile(ctx, source, profile));
	return {source, builds};
}

// Build kernels × profiles (default: the default kernel; each kernel's profiles unless named). Every pair is checked
// before anything is downloaded or built.
export async function buildKernels(ctx: BuildContext, kernelIds: readonly string[] | undefined, profileNames: readonly string[] | undefined): Promise<{kernel: string; source: KernelSource; builds: ProfileBuild[]}[]> {
	const plan = await Promise.all((kernelIds ?? [defaultKernel]).map(kernelDef).map(async kernel => ({kernel, profiles: await selectProfiles(profileNames ?? kernel.profiles)})));
	for (const {kernel, profiles} of plan) for (const profile of profiles) checkKernelProfile(kernel, profile.name);
	const results = [];
	for (const {kernel, profiles} of plan) results.push({kernel: kernel.id, ...(await buildProfiles(ctx, profiles, kernel))});
	return results;
}
