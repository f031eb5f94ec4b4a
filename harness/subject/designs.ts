// The designs under test, as data: which module files make up each design's set.
import {basename} from 'node:path';
import type {ProfileBuild} from '../build/build.ts';
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
	{name: 'mainline', description: 'Linux 6.1 as built: Kconfig-time dispatch, strong reference to curve25519_arch', moduleSet: 'mainline', libFrom: 'kernel', archFrom: 'kernel', loadOrder: archBeforeLib},
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

// The .ko files of a design for one profile build, by role.
export function designModuleFiles(build: ProfileBuild, d: Design): Record<ModuleRole, string> {
	const set = build.sets[d.moduleSet];
	if (!set) throw new KplugError(`profile ${build.profile}: module set ${d.moduleSet} was not built`);
	const fromSet = (file: string): string => {
		const path = set.modules[file];
		if (!path) throw new KplugError(`profile ${build.profile}: module set ${d.moduleSet} has no ${file} (built: ${Object.keys(set.modules).join(', ') || 'nothing'})`);
		return path;
	};
	// A kernel that links the arch code into the library (7.x) builds no generic or arch module of its own.
	const inTree = (role: 'generic' | 'arch'): string => {
		const path = build.kernel.inTreeModules[role];
		if (!path) throw new KplugError(`kernel ${build.kernel.kernel} builds no in-tree ${role} module (design ${d.name} needs one; that kernel has only ${basename(build.kernel.inTreeModules.lib)})`);
		return path;
	};
	return {
		lib: d.libFrom === 'kernel' ? build.kernel.inTreeModules.lib : fromSet('libcurve25519.ko'),
		// 7.x builds no in-tree generic module: the own-library sets then build one under that name.
		generic: build.kernel.inTreeModules.generic || d.libFrom === 'kernel' ? inTree('generic') : fromSet('libcurve25519-generic.ko'),
		arch: d.archFrom === 'kernel' ? inTree('arch') : fromSet('curve25519-neon.ko'),
		driver: fromSet('kplug-x25519.ko'),
	};
}

// The module files (by file name) installed in an image, with or without the arch module.
export function imageModules(build: ProfileBuild, d: Design, withArch: boolean): Record<string, string> {
	const files = designModuleFiles(build, d);
	const chosen: Record<string, string> = {};
	for (const role of Object.keys(files) as ModuleRole[]) {
		if (role === 'arch' && !withArch) continue;
		chosen[basename(files[role])] = files[role];
	}
	return chosen;
}
