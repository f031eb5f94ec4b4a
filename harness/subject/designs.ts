// The designs under test, as data: which module files make up each design's set.
import {basename} from 'node:path';
import type {ProfileBuild} from '../build/build.ts';
import type {KernelDef} from '../build/kernels.ts';
import {KplugError, UsageError} from '../util/errors.ts';

export type DesignName = 'mainline' | 'weak' | 'softdep' | 'static-call';

export interface Design {
	name: DesignName;
	description: string;
	// Which out-of-tree module set (modules/<set>) brings the driver (and, for weak, lib + arch).
	moduleSet: string;
	// Where lib and arch come from: the kernel's own build or the out-of-tree set.
	libFrom: 'kernel' | 'set';
	archFrom: 'kernel' | 'set';
	// The insmod order that satisfies the design's link-time dependencies (static-call's arch module
	// links against the library; everywhere else the library or driver may need the arch module).
	loadOrder: readonly ModuleRole[];
}

const archBeforeLib: readonly ModuleRole[] = ['generic', 'arch', 'lib', 'driver'];

export const designs: readonly Design[] = [
	{name: 'mainline', description: 'the kernel as built: on 6.x Kconfig-time dispatch with a strong reference to curve25519_arch in curve25519-neon.ko; on 7.x one libcurve25519.ko with the NEON core inside, chosen by a static key set from HWCAP_NEON', moduleSet: 'mainline', libFrom: 'kernel', archFrom: 'kernel', loadOrder: archBeforeLib},
	{name: 'weak', description: 'the 2019 proposal: library reaches curve25519_arch through a weak reference resolved at load time', moduleSet: 'weak', libFrom: 'set', archFrom: 'set', loadOrder: archBeforeLib},
	{
		name: 'softdep',
		description: 'library looks curve25519_arch up with symbol_get() on every call (no link-time reference; MODULE_SOFTDEP pre: curve25519-neon)',
		moduleSet: 'softdep', libFrom: 'set', archFrom: 'set', loadOrder: archBeforeLib,
	},
	{
		name: 'static-call',
		description: 'library calls through a static call the arch module retargets at init and restores at exit (indirect on 32-bit ARM; MODULE_SOFTDEP post: curve25519-neon)',
		moduleSet: 'static-call', libFrom: 'set', archFrom: 'set', loadOrder: ['generic', 'lib', 'arch', 'driver'],
	},
];

// Module names as the guest sees them (same in both designs).
export const moduleNames = {lib: 'libcurve25519', generic: 'libcurve25519_generic', arch: 'curve25519_neon', driver: 'kplug_x25519'} as const;
export type ModuleRole = keyof typeof moduleNames;

// Look up a design by name; unknown names list the valid ones.
export function design(name: string): Design {
	const found = designs.find(d => d.name === name);
	if (!found) throw new UsageError(`unknown design "${name}" (designs: ${designs.map(d => d.name).join(', ')})`);
	return found;
}

// Where a design's arch code lives on a kernel. Its own module (curve25519_neon) for every design on 6.x and for the
// out-of-tree designs everywhere; for mainline on a kernel that links the NEON core into the library (7.x, no in-tree
// curve25519-neon.ko), inside libcurve25519 itself: "consolidated", a design with no arch and no generic module.
export interface ArchHome {
	// The module that carries curve25519_neon (and, consolidated, curve25519_generic and the dispatch too).
	module: string;
	consolidated: boolean;
}

export function archHome(d: Design, kernel: Pick<KernelDef, 'inTreeModules'>): ArchHome {
	const consolidated = d.archFrom === 'kernel' && !kernel.inTreeModules.arch;
	return {module: consolidated ? moduleNames.lib : moduleNames.arch, consolidated};
}

// The roles a design has on a kernel (a consolidated design: the library and the driver only).
export function designRoles(d: Design, kernel: Pick<KernelDef, 'inTreeModules'>): ModuleRole[] {
	const all = Object.keys(moduleNames) as ModuleRole[];
	return archHome(d, kernel).consolidated ? all.filter(r => r === 'lib' || r === 'driver') : all;
}

// Why a role is missing from a design on a kernel, for a step that needs it (reported n/a, not as a failure).
export function missingRoleReason(d: Design, kernelId: string, role: ModuleRole): string {
	return `${d.name} on ${kernelId} has no ${role} module: the kernel links the generic and NEON code into ${moduleNames.lib}`;
}

// The .ko files of a design for one profile build, by role (only the roles the design has on that kernel).
export type DesignFiles = Partial<Record<ModuleRole, string>>;

export function designModuleFiles(build: ProfileBuild, d: Design): DesignFiles {
	const set = build.sets[d.moduleSet];
	if (!set) throw new KplugError(`profile ${build.profile}: module set ${d.moduleSet} was not built`);
	const fromSet = (file: string): string => {
		const path = set.modules[file];
		if (!path) throw new KplugError(`profile ${build.profile}: module set ${d.moduleSet} has no ${file} (built: ${Object.keys(set.modules).join(', ') || 'nothing'})`);
		return path;
	};
	const inTree = build.kernel.inTreeModules;
	const files: DesignFiles = {
		lib: d.libFrom === 'kernel' ? inTree.lib : fromSet('libcurve25519.ko'),
		driver: fromSet('kplug-x25519.ko'),
	};
	if (archHome(d, build.kernel).consolidated) return files;
	if (d.archFrom === 'kernel' && !inTree.generic) throw new KplugError(`kernel ${build.kernel.kernel} builds no in-tree generic module (design ${d.name} needs one; that kernel has only ${basename(inTree.lib)})`);
	// 7.x builds no in-tree generic module: the own-library sets then build one under that name.
	files.generic = inTree.generic ?? fromSet('libcurve25519-generic.ko');
	files.arch = d.archFrom === 'kernel' ? inTree.arch! : fromSet('curve25519-neon.ko');
	return files;
}

// The module files (by file name) installed in an image, with or without the arch module.
export function imageModules(build: ProfileBuild, d: Design, withArch: boolean): Record<string, string> {
	const chosen: Record<string, string> = {};
	for (const [role, file] of Object.entries(designModuleFiles(build, d))) {
		if (role === 'arch' && !withArch) continue;
		chosen[basename(file)] = file;
	}
	return chosen;
}
