// Read a cell's state from the guest: loaded modules, kallsyms, driver paths, kernel log.
import {parseLsmod, parseProcModules} from '../memory/proc-modules.ts';
import {moduleNames, type DesignName} from '../subject/designs.ts';
import {decodeDriverResponse, encodeDriverRequest, parseDriverInfo} from '../subject/driver-protocol.ts';
import {compareResults} from '../vectors/compare.ts';
import type {X25519Vector} from '../vectors/vector.ts';
import type {VmHandle} from '../vm/vm.ts';
import {interestingKernelLine} from './errno.ts';
import type {LoadedModule, PathProbe} from './types.ts';

export const driverDevice = `/dev/${moduleNames.driver}`;

// Modules loaded now, from /proc/modules, cross-checked against /sys/module and kmod's lsmod.
export async function loadedModules(vm: VmHandle): Promise<LoadedModule[]> {
	const result = await vm.exec(['cat', '/proc/modules'], {step: 'observe /proc/modules'});
	const lsmod = parseLsmod((await vm.exec(['lsmod'], {step: 'observe lsmod'})).stdout).map(m => m.name);
	const modules: LoadedModule[] = [];
	for (const m of parseProcModules(result.stdout)) {
		const refcnt = await vm.exec(['cat', `/sys/module/${m.name}/refcnt`], {step: `observe /sys/module/${m.name}`});
		const holders = await vm.exec(['ls', `/sys/module/${m.name}/holders`], {step: `observe /sys/module/${m.name}/holders`});
		modules.push({
			name: m.name, size: m.size, refcount: m.refcount ?? -1, holders: m.holders,
			sysfsRefcnt: refcnt.exitCode === 0 ? Number(refcnt.stdout.trim()) : undefined,
			sysfsHolders: holders.exitCode === 0 ? holders.stdout.split(/\s+/).filter(Boolean).sort() : undefined,
			inLsmod: lsmod.includes(m.name),
		});
	}
	return modules;
}

// Whether /proc/kallsyms has curve25519_arch, and which module owns it.
export async function kallsymsArch(vm: VmHandle): Promise<{present: boolean; owner: string | undefined}> {
	const result = await vm.exec(['grep', '-w', 'curve25519_arch', '/proc/kallsyms'], {step: 'observe /proc/kallsyms'});
	const line = result.stdout.split('\n').find(l => /\bcurve25519_arch\b/.test(l));
	if (!line) return {present: false, owner: undefined};
	return {present: true, owner: /\[(\S+)\]/.exec(line)?.[1] ?? 'vmlinux'};
}

// Kernel log lines of interest (dmesg), and the taint value.
export async function kernelLog(vm: VmHandle): Promise<{lines: string[]; tainted: string}> {
	const dmesg = await vm.exec(['dmesg'], {step: 'observe dmesg'});
	const tainted = await vm.exec(['cat', '/proc/sys/kernel/tainted'], {step: 'observe taint'});
	const all = dmesg.stdout.split('\n');
	const start = all.findIndex(l => /Run \/init as init process/.test(l));
	const lines = all.slice(start < 0 ? 0 : start + 1).filter(l => interestingKernelLine.test(l)).map(l => l.replace(/^\[\s*[\d.]+\]\s*/, ''));
	return {lines, tainted: tainted.stdout.trim()};
}

async function driverCall(vm: VmHandle, request: Buffer, step: string): Promise<Buffer | undefined> {
	const answer = await vm.devio(driverDevice, request, {step});
	return answer.errno === 0 ? answer.response : undefined;
}

// Ask the driver which path serves the library API now, and check vectors through api and generic.
export async function probePaths(vm: VmHandle, design: DesignName, vectors: readonly X25519Vector[], label: string): Promise<PathProbe> {
	const present = await vm.exec(['test', '-e', driverDevice], {step: `probe ${label}: driver present?`});
	const probe: PathProbe = {label, driverLoaded: present.exitCode === 0, archResolved: undefined, apiPaths: [], apiPassed: 0, apiTotal: 0, genericPassed: 0, genericTotal: 0, failures: []};
	if (!probe.driverLoaded) return probe;
	const infoBytes = await driverCall(vm, encodeDriverRequest({op: 'info', mode: 'api', items: []}), `probe ${label}: info`);
	if (infoBytes) {
		const info = parseDriverInfo(infoBytes);
		probe.archResolved = design === 'mainline' ? 'strong' : info['arch_resolved'] === '1';
	}
	const items = vectors.map(v => ({scalar: v.scalar, point: v.point}));
	for (const mode of ['api', 'generic'] as const) {
		const raw = await driverCall(vm, encodeDriverRequest({op: 'x25519', mode, items}), `probe ${label}: ${mode} vectors`);
		if (!raw) {
			probe.failures.push(`${mode}: driver request failed`);
			continue;
		}
		const response = decodeDriverResponse(raw);
		const comparison = compareResults(vectors, response.items.map(i => ({out: i.out, ok: i.ok, path: i.path})), mode);
		probe.failures.push(...comparison.failed.map(f => `${mode}: ${f.id}`));
		if (mode === 'api') {
			probe.apiPaths = [...new Set(response.items.map(i => i.path))].sort();
			probe.apiPassed = comparison.passed;
			probe.apiTotal = comparison.total;
		} else {
			probe.genericPassed = comparison.passed;
			probe.genericTotal = comparison.total;
		}
	}
	return probe;
}
