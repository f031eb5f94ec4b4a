// Boot a guest of a given profile × design × CPU: build (cached), image (cached), VM.
import {join} from 'node:path';
import {buildProfile, type ProfileBuild} from '../build/build.ts';
import type {BuildContext} from '../build/context.ts';
import {loadProfile} from '../build/profiles.ts';
import {ensureKernelSource} from '../build/source.ts';
import {ensureImage, type GuestImage} from '../image/image.ts';
import {runSetup} from '../setup/setup.ts';
import {cpuModel} from '../vm/cpu-models.ts';
import {startVm, type VmHandle} from '../vm/vm.ts';
import {design as lookupDesign, imageModules, type DesignName} from './designs.ts';

export interface GuestSpec {
	profile: string;
	design: DesignName;
	cpu: string;
	// Whether the arch module is in the image at all.
	withArch: boolean;
	append?: readonly string[];
	bootTimeoutMs?: number;
	memoryMiB?: number;
	// The serial console takes input (kplug shell).
	consoleInput?: boolean;
}

const buildMemo = new Map<string, Promise<ProfileBuild>>();
let debsMemo: Promise<Record<string, string>> | undefined;

// Build (once per process) the profile's kernel and module sets.
export function profileBuild(ctx: BuildContext, profile: string): Promise<ProfileBuild> {
	let memo = buildMemo.get(profile);
	if (!memo) {
		memo = (async () => buildProfile(ctx, await ensureKernelSource(ctx.cacheDir, ctx.progress), await loadProfile(profile)))();
		memo.catch(() => buildMemo.delete(profile));
		buildMemo.set(profile, memo);
	}
	return memo;
}

// The image for a guest spec (built or cached).
export async function guestImage(ctx: BuildContext, spec: GuestSpec): Promise<{build: ProfileBuild; image: GuestImage}> {
	const d = lookupDesign(spec.design);
	const build = await profileBuild(ctx, spec.profile);
	debsMemo ??= runSetup(ctx.cacheDir, ctx.progress).then(r => r.guestDebs);
	const debs = await debsMemo;
	const image = await ensureImage(ctx.cacheDir, {
		label: `${spec.profile}-${d.name}${spec.withArch ? '' : '-noarch'}`,
		release: build.kernel.release,
		systemMap: build.kernel.systemMap,
		kernelDir: build.kernel.dir,
		debs,
		modules: imageModules(build, d, spec.withArch),
	}, ctx.progress);
	return {build, image};
}

// Boot a fresh VM for a guest spec; logs go to logDir.
export async function bootGuest(ctx: BuildContext, spec: GuestSpec, logDir: string): Promise<{vm: VmHandle; build: ProfileBuild; image: GuestImage}> {
	const cpu = cpuModel(spec.cpu);
	const {build, image} = await guestImage(ctx, spec);
	const vm = await startVm({
		kernel: build.kernel.zImage,
		initrd: image.path,
		qemuCpu: cpu.qemuCpu,
		append: spec.append,
		logDir: join(logDir),
		bootTimeoutMs: spec.bootTimeoutMs,
		memoryMiB: spec.memoryMiB,
		consoleInput: spec.consoleInput,
		...(ctx.signal ? {signal: ctx.signal} : {}),
	});
	return {vm, build, image};
}
