// The build stage: kernel source → per-profile kernel → per-profile module sets.
import type {BuildContext} from './context.ts';
import {ensureKernel, type KernelBuild} from './kernel.ts';
import {ensureModuleSet, moduleSets, type ModuleSetBuild} from './module-sets.ts';
import type {Profile} from './profiles.ts';
import {ensureKernelSource, type KernelSource} from './source.ts';

export interface ProfileBuild {
	profile: string;
	kernel: KernelBuild;
	// Module set name (mainline, weak) → its build.
	sets: Record<string, ModuleSetBuild>;
}

// Build one profile: kernel, then every module set against it.
export async function buildProfile(ctx: BuildContext, source: KernelSource, profile: Profile): Promise<ProfileBuild> {
	const kernel = await ensureKernel(ctx, source, profile);
	const sets: Record<string, ModuleSetBuild> = {};
	for (const set of moduleSets) sets[set.name] = await ensureModuleSet(ctx, source, kernel, set);
	return {profile: profile.name, kernel, sets};
}

// Build the given profiles (each cached by content).
export async function buildProfiles(ctx: BuildContext, profiles: readonly Profile[]): Promise<{source: KernelSource; builds: ProfileBuild[]}> {
	const source = await ensureKernelSource(ctx.cacheDir, ctx.progress);
	const builds: ProfileBuild[] = [];
	for (const profile of profiles) builds.push(await buildProfile(ctx, source, profile));
	return {source, builds};
}
