// Boot a guest of a given kernel × profile × design × CPU: build (cached), image (cached), VM.
import {basename, join} from 'node:path';
import {buildModuleSet, buildProfile, moduleSet, ModuleSetBuildError, type ProfileBuild} from '../build/build.ts';
import type {BuildContext} from '../build/context.ts';
import {defaultKernel, kernelDef, kernelLabel, type KernelDef} from '../build/kernels.ts';
import {loadProfile} from '../build/profiles.ts';
import {ensureKernelSource} from '../build/source.ts';
import {ensureImage, type GuestImage} from '../image/image.ts';
import {ensureMirrorDebs} from '../setup/mirror-debs.ts';
import {defaultUserland, userlandDef, type UserlandDef} from '../setup/userlands.ts';
import {KplugError} from '../util/errors.ts';
import {cpuModel} from '../vm/cpu-models.ts';
import {startVm, type VmHandle} from '../vm/vm.ts';
import {guestDepmodLogDir, guestDepmodRunner} from './guest-depmod.ts';
import type {Snapshots} from './snapshots.ts';
import {designModuleFiles, design as lookupDesign, imageModules, type Design, type DesignFiles, type DesignName, type ModuleRole} from './designs.ts';

export interface GuestSpec {
	// The kernel (kernels.ts); the default kernel when absent.
	kernel?: string;
	profile: string;
	// The design whose modules the image carries; none: a bare guest (the agent and userspace only), which boots on
	// any kernel, whatever module set builds there.
	design?: DesignName;
	cpu: string;
	// The guest userland (setup/userlands.ts); the default userland when absent.
	userland?: string;
	// Whether the arch module is in the image at all.
	withArch: boolean;
	append?: readonly string[];
	bootTimeoutMs?: number;
	memoryMiB?: number;
	// The serial console takes input (kplug shell).
	consoleInput?: boolean;
}

const buildMemo = new Map<string, Promise<ProfileBuild>>();
const setMemo = new Map<string, Promise<unknown>>();

// Build (once per process) a kernel's profile and the module sets the kernel lists (default kernel: all of them).
export function profileBuild(ctx: BuildContext, profile: string, kernel: string = defaultKernel): Promise<ProfileBuild> {
	const key = `${kernel}/${profile}`;
	let memo = buildMemo.get(key);
	if (!memo) {
		memo = (async () => buildProfile(ctx, await ensureKernelSource(ctx.cacheDir, ctx.progress, kernelDef(kernel), ctx.signal), await loadProfile(profile)))();
		memo.catch(() => buildMemo.delete(key));
		buildMemo.set(key, memo);
	}
	return memo;
}

// The build with the design's module set in it: built on demand (once per process) where the kernel does not list
// it; a set that does not build there is one line with the compiler's error (build.ts buildModuleSet).
async function withDesignSet(ctx: BuildContext, build: ProfileBuild, d: Design): Promise<ProfileBuild> {
	if (build.sets[d.moduleSet]) return build;
	const key = `${build.kernel.kernel}/${build.profile}/${d.moduleSet}`;
	let memo = setMemo.get(key);
	if (!memo) {
		memo = (async () => {
			const source = await ensureKernelSource(ctx.cacheDir, ctx.progress, kernelDef(build.kernel.kernel), ctx.signal);
			build.sets[d.moduleSet] = await buildModuleSet(ctx, source, build.kernel, moduleSet(d.moduleSet));
		})();
		// A set that does not build stays failed (same inputs, same compiler line); anything else may be retried.
		memo.catch(error => {
			if (!(error instanceof ModuleSetBuildError)) setMemo.delete(key);
		});
		setMemo.set(key, memo);
	}
	await memo;
	return build;
}

// The guest packages of a userland: the host's (the command's setup found them; booting a guest never runs host setup
// itself), or another suite's, fetched once into the cache through kplug's private apt configuration.
async function guestDebs(ctx: BuildContext, userland: UserlandDef): Promise<Record<string, string>> {
	if (userland.from === 'mirror') return ensureMirrorDebs(ctx.cacheDir, userland, ctx.progress, ctx.signal);
	if (!ctx.guestDebs) throw new Error('a guest image was asked for with a BuildContext without guestDebs: a command that boots guests runs setup first and passes its guest packages in the context (cli/guest-context.ts)');
	return ctx.guestDebs;
}

// The suffix a userland other than the default adds to labels and names (+trixie).
export function userlandSuffix(id: string | undefined): string {
	return id && id !== defaultUserland ? `+${id}` : '';
}

// The image for a guest spec (built or cached).
export async function guestImage(ctx: BuildContext, spec: GuestSpec): Promise<{build: ProfileBuild; image: GuestImage}> {
	const userland = userlandDef(spec.userland ?? defaultUserland);
	const debs = await guestDebs(ctx, userland);
	const kernel = kernelDef(spec.kernel ?? defaultKernel);
	const d = spec.design === undefined ? undefined : lookupDesign(spec.design);
	const profile = await profileBuild(ctx, spec.profile, kernel.id);
	const build = d ? await withDesignSet(ctx, profile, d) : profile;
	const label = kernelLabel(kernel, d ? `${spec.profile}-${d.name}${spec.withArch ? '' : '-noarch'}` : `${spec.profile}-bare`) + userlandSuffix(userland.id);
	const image = await ensureImage(ctx.cacheDir, {
		label,
		release: build.kernel.release,
		systemMap: build.kernel.systemMap,
		kernelDir: build.kernel.dir,
		debs,
		modules: {...preloadFiles(kernel, build), ...(d ? imageModules(build, d, spec.withArch) : {})},
		userland,
		...(userland.depmod === 'guest' ? {guestDepmod: guestDepmodRunner(build.kernel.zImage, userland, guestDepmodLogDir(ctx.cacheDir, label), ctx.signal)} : {}),
	}, ctx.progress);
	return {build, image};
}

// The kernel's preload modules and its KUnit suite (kernels.ts), by file name, from its build folder.
function preloadFiles(kernel: KernelDef, build: ProfileBuild): Record<string, string> {
	const files = [...(kernel.preload ?? []).map(p => p.file), ...(kernel.kunit ? [...kernel.kunit.needs, kernel.kunit.module] : [])];
	return Object.fromEntries(files.map(file => [basename(file), join(build.kernel.dir, file)]));
}

// The folder inside the guest where the image installs every module it carries (flat).
export function guestModuleDir(release: string): string {
	return `/lib/modules/${release}/kernel/kplug`;
}

// Load the kernel's preload modules, in order, right after boot; one that does not load is a failure of the boot.
async function loadPreload(vm: VmHandle, kernel: KernelDef, release: string): Promise<void> {
	for (const p of kernel.preload ?? []) {
		const result = await vm.exec(['insmod', `${guestModuleDir(release)}/${basename(p.file)}`], {step: `preload ${basename(p.file)}`});
		if (result.exitCode !== 0) throw new KplugError(`kernel ${kernel.id}: preload module ${p.file} did not load: ${result.stderr.trim() || `exit ${result.exitCode}`}`);
	}
}

// Boot a fresh VM for a guest spec; logs go to logDir. With a snapshot store, a boot whose configuration other boots
// share starts from its saved state (snapshotMs: the wait for that state to be made, by this boot or another).
// Every boot is then prepared: the kernel's preload modules load, and `prepare` (a cell's versions and tracing set-up)
// runs; a restored boot was prepared before its state was saved and gets (a copy of) that answer (`prepared`;
// prepareMs 0). `shareable`: whether an answer may be handed to every restored boot; one that is not (a failed
// set-up a cold boot would meet on its own) makes the snapshot fail, and the configuration's boots start cold.
export async function bootGuest<P = undefined>(ctx: BuildContext, spec: GuestSpec, logDir: string, options: {snapshots?: Snapshots; prepare?: (vm: VmHandle, build: ProfileBuild) => Promise<P>; shareable?: (prepared: P) => string | undefined; restoring?: () => void} = {}): Promise<{vm: VmHandle; build: ProfileBuild; image: GuestImage; restored: boolean; snapshotMs: number; prepared: P | undefined; prepareMs: number}> {
	const cpu = cpuModel(spec.cpu);
	const {build, image} = await guestImage(ctx, spec);
	const vmOptions = {
		kernel: build.kernel.zImage,
		initrd: image.path,
		qemuCpu: cpu.qemuCpu,
		append: spec.append,
		bootTimeoutMs: spec.bootTimeoutMs,
		memoryMiB: spec.memoryMiB,
		consoleInput: spec.consoleInput,
		...(ctx.signal ? {signal: ctx.signal} : {}),
	};
	const kernel = kernelDef(spec.kernel ?? defaultKernel);
	const prepare = async (vm: VmHandle): Promise<P | undefined> => {
		await loadPreload(vm, kernel, build.kernel.release);
		return options.prepare ? await options.prepare(vm, build) : undefined;
	};
	const waiting = performance.now();
	const forSnapshot = async (vm: VmHandle): Promise<P | undefined> => {
		const prepared = await prepare(vm);
		const unshareable = prepared !== undefined ? options.shareable?.(prepared) : undefined;
		if (unshareable) throw new KplugError(`the snapshot's preparation failed: ${unshareable}`);
		return prepared;
	};
	const restore = spec.consoleInput ? undefined : await options.snapshots?.restorePoint(spec, vmOptions, forSnapshot);
	const snapshotMs = Math.round(performance.now() - waiting);
	// Told before the VM starts, so a guest that fails while restoring is known to have been restored.
	if (restore) options.restoring?.();
	const vm = await startVm({...vmOptions, logDir, ...(restore ? {restore} : {})});
	if (restore) return {vm, build, image, restored: true, snapshotMs, prepared: structuredClone(restore.prepared) as P | undefined, prepareMs: 0};
	const preparing = performance.now();
	try {
		const prepared = await prepare(vm);
		return {vm, build, image, restored: false, snapshotMs, prepared, prepareMs: Math.round(performance.now() - preparing)};
	} catch (error) {
		await vm.close();
		throw error;
	}
}

// Where a design's modules are inside its guest, by role: the image installs them flat under kernel/kplug.
// A role the design does not have on this kernel (a consolidated library: no arch, no generic module) is absent.
export function guestModuleFiles(build: ProfileBuild, d: Design): {files: DesignFiles; dir: string} {
	const dir = guestModuleDir(build.kernel.release);
	const files = designModuleFiles(build, d);
	return {dir, files: Object.fromEntries(Object.entries(files).map(([role, path]) => [role, `${dir}/${basename(path)}`])) as DesignFiles};
}

export interface ModuleLoad {
	role: ModuleRole;
	exitCode: number;
	// insmod's first stderr line (empty when it loaded).
	message: string;
}

// insmod the given roles of a design in its load order (static-call: the library before the arch module), the one
// way the vector and memory jobs load a guest's modules; roles the design does not have on this kernel are skipped. `stopAfterFailureOf`: stop at the first failed role it
// accepts (what follows could not load anyway); other failures are answered and the loading goes on.
export async function loadDesignModules(vm: VmHandle, build: ProfileBuild, d: Design, roles: readonly ModuleRole[], options: {stopAfterFailureOf?: (role: ModuleRole) => boolean} = {}): Promise<ModuleLoad[]> {
	const {files} = guestModuleFiles(build, d);
	const loads: ModuleLoad[] = [];
	for (const role of d.loadOrder.filter(r => roles.includes(r))) {
		const file = files[role];
		if (!file) continue;
		const result = await vm.exec(['insmod', file], {step: `insmod ${role}`});
		loads.push({role, exitCode: result.exitCode, message: result.exitCode === 0 ? '' : (result.stderr.trim().split('\n')[0] ?? '')});
		if (result.exitCode !== 0 && options.stopAfterFailureOf?.(role)) break;
	}
	return loads;
}

