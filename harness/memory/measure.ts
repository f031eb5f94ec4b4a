// Memory samples from fresh guests: one situation per boot (sizes, module-area pages, /proc/meminfo), or the within-boot rounds.
import {join} from 'node:path';
import type {BuildContext} from '../build/context.ts';
import {archHome, design as lookupDesign, missingRoleReason, moduleNames, type DesignName} from '../subject/designs.ts';
import {neonCoreBytes} from './neon-bytes.ts';
import {KplugError} from '../util/errors.ts';
import {bootGuest, guestModuleFiles, loadDesignModules} from '../subject/guest.ts';
import type {VmHandle} from '../vm/vm.ts';
import {parseMeminfo, pickMemFields, type MemFields} from './meminfo.ts';
import {parseProcModules} from './proc-modules.ts';
import {attributeModuleAreas, parseVmallocinfo} from './vmallocinfo.ts';
import {withinBootRounds, type Round} from './within-boot.ts';


// The situations the scenarios create, as data: which image, command line and steps.
export interface Situation {
	name: 'loaded' | 'skipped' | 'absent' | 'blacklisted';
	withArch: boolean;
	append: string[];
	steps: {tool: 'insmod' | 'modprobe'; role: 'generic' | 'arch' | 'lib' | 'driver'}[];
}

export const situations: readonly Situation[] = [
	{name: 'loaded', withArch: true, append: [], steps: [{tool: 'insmod', role: 'generic'}, {tool: 'insmod', role: 'arch'}, {tool: 'insmod', role: 'lib'}, {tool: 'insmod', role: 'driver'}]},
	// Same image as 'loaded', arch module simply not inserted: the clean with/without comparison.
	{name: 'skipped', withArch: true, append: [], steps: [{tool: 'insmod', role: 'generic'}, {tool: 'insmod', role: 'lib'}, {tool: 'insmod', role: 'driver'}]},
	{name: 'absent', withArch: false, append: [], steps: [{tool: 'insmod', role: 'generic'}, {tool: 'insmod', role: 'lib'}, {tool: 'insmod', role: 'driver'}]},
	{name: 'blacklisted', withArch: true, append: ['module_blacklist=curve25519_neon'], steps: [{tool: 'modprobe', role: 'driver'}]},
];

export interface MemorySample {
	loaded: string[];
	archResident: boolean;
	// /sys/module/curve25519_neon/coresize and initsize, when resident.
	archCoreSize: number | undefined;
	archInitSize: number | undefined;
	// /proc/modules size column.
	archProcModulesSize: number | undefined;
	archVmallocBytes: number | undefined;
	archVmallocPages: number | undefined;
	mem: MemFields;
	failedSteps: string[];
	// Set when the arch code is inside another module (a consolidated library): that module, and its NEON bytes.
	archModule?: string;
	neonCoreBytes?: number;
}


async function readNumber(vm: VmHandle, path: string): Promise<number | undefined> {
	const result = await vm.exec(['cat', path], {step: `read ${path}`});
	return result.exitCode === 0 && /^\d+\s*$/.test(result.stdout) ? Number(result.stdout.trim()) : undefined;
}

// Boot once, create the situation, and read the three measurements.
export async function memorySample(ctx: BuildContext, cfg: {design: DesignName; profile: string; cpu: string}, situation: Situation, logDir: string): Promise<MemorySample> {
	const d = lookupDesign(cfg.design);
	const {vm, build} = await bootGuest(ctx, {...cfg, withArch: situation.withArch, append: situation.append}, join(logDir));
	try {
		const {files} = guestModuleFiles(build, d);
		const failedSteps: string[] = [];
		// insmod in the design's dependency order (static-call: the library before the arch module).
		const steps = [...situation.steps].sort((a, b) => (a.tool === 'insmod' && b.tool === 'insmod' ? d.loadOrder.indexOf(a.role) - d.loadOrder.indexOf(b.role) : 0));
		for (const step of steps) {
			const file = files[step.role];
			// A role the design does not have on this kernel (a consolidated library) is not a step there.
			if (step.tool === 'insmod' && !file) continue;
			const argv = step.tool === 'insmod' ? ['insmod', file!] : ['modprobe', moduleNames[step.role]];
			const result = await vm.exec(argv, {step: `${step.tool} ${step.role}`});
			if (result.exitCode !== 0) failedSteps.push(`${step.tool} ${step.role}: ${result.stderr.trim().split('\n')[0] ?? ''}`);
		}
		// Root sees real module addresses in /proc/vmallocinfo only with kptr_restrict=1.
		await vm.writeFile('/proc/sys/kernel/kptr_restrict', '1\n');
		const modules = parseProcModules((await vm.exec(['cat', '/proc/modules'], {step: 'read /proc/modules'})).stdout);
		// The module that carries the arch code: curve25519_neon, or the library itself when the kernel links it in.
		const home = archHome(d, build.kernel);
		const arch = modules.find(m => m.name === home.module);
		let vmalloc: {bytes: number; pages: number} | undefined;
		if (arch) {
			const areas = parseVmallocinfo((await vm.exec(['cat', '/proc/vmallocinfo'], {step: 'read /proc/vmallocinfo'})).stdout);
			vmalloc = attributeModuleAreas(areas, [arch])[0];
		}
		const mem = pickMemFields(parseMeminfo((await vm.exec(['cat', '/proc/meminfo'], {step: 'read /proc/meminfo'})).stdout));
		return {
			loaded: modules.map(m => m.name).sort(),
			archResident: Boolean(arch),
			archCoreSize: arch ? await readNumber(vm, `/sys/module/${home.module}/coresize`) : undefined,
			archInitSize: arch ? await readNumber(vm, `/sys/module/${home.module}/initsize`) : undefined,
			archProcModulesSize: arch?.size,
			archVmallocBytes: vmalloc?.bytes,
			archVmallocPages: vmalloc?.pages,
			mem,
			failedSteps,
			...(home.consolidated ? {archModule: home.module, neonCoreBytes: await neonCoreBytes(build.kernel.inTreeModules.lib)} : {}),
		};
	} finally {
		await vm.close();
	}
}

export interface WithinBootSample {
	rounds: Round[];
	// Modules the arch module needs that would not load: the rounds then measure a refused insert.
	failedSteps: string[];
}

// Boot once, load what the arch module links against (the design's load order up to it), then run the
// within-boot rounds: insert/remove the arch module against control rounds, reading meminfo and vmallocinfo.
export async function withinBootSample(ctx: BuildContext, cfg: {design: DesignName; profile: string; cpu: string}, rounds: number, logDir: string): Promise<WithinBootSample> {
	const d = lookupDesign(cfg.design);
	const {vm, build} = await bootGuest(ctx, {...cfg, withArch: true}, logDir);
	try {
		const {files} = guestModuleFiles(build, d);
		if (!files.arch) throw new KplugError(`within-boot rounds: ${missingRoleReason(d, build.kernel.kernel, 'arch')}`);
		const loads = await loadDesignModules(vm, build, d, d.loadOrder.slice(0, d.loadOrder.indexOf('arch')));
		const failedSteps = loads.filter(l => l.exitCode !== 0).map(l => `insmod ${l.role}: ${l.message}`);
		await vm.writeFile('/proc/sys/kernel/kptr_restrict', '1\n');
		const measured = await withinBootRounds(vm, {archPath: files.arch, archName: moduleNames.arch, rounds, ...(ctx.signal ? {signal: ctx.signal} : {})});
		return {rounds: measured, failedSteps};
	} finally {
		await vm.close();
	}
}
