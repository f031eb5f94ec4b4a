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
	const proc = parseProcModules(result.stdout);
	// One round trip for all modules: "name refcnt holder holder…" per line (names are [A-Za-z0-9_]).
	// Unquoted substitutions on purpose: word splitting puts every holder on the module's one line.
	const script = 'for m in "$@"; do echo $m $(cat /sys/module/$m/refcnt) $(ls /sys/module/$m/holders); done';
	const sysfs = proc.length > 0 ? (await vm.exec(['sh', '-c', script, 'sh', ...proc.map(m => m.name)], {step: 'observe /sys/module'})).stdout : '';
	const rows = new Map(sysfs.split('\n').filter(Boolean).map(line => {
		const [name = '', refcnt = '', ...holders] = line.trim().split(/\s+/);
		return [name, {refcnt: /^-?\d+$/.test(refcnt) ? Number(refcnt) : undefined, holders: holders.sort()}] as const;
	}));
	return proc.map(m => ({
		name: m.name, size: m.size, refcount: m.refcount ?? -1, holders: m.holders,
		sysfsRefcnt: rows.get(m.name)?.refcnt,
		sysfsHolders: rows.get(m.name)?.holders,
		inLsmod: lsmod.includes(m.name),
	}));
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
	const start = all.findIndex(l => /Run \S+ as init process/.test(l));
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
