// Read a cell's state from the guest: loaded modules, kallsyms, driver paths, kernel log.
import {parseLsmod, parseProcModules} from '../memory/proc-modules.ts';
import {moduleNames, type DesignName} from '../subject/designs.ts';
import {decodeDriverResponse, encodeDriverRequest, parseDriverInfo} from '../subject/driver-protocol.ts';
import {compareResults} from '../vectors/compare.ts';
import type {X25519Vector} from '../vectors/vector.ts';
import type {VmHandle} from '../vm/vm.ts';
import {interestingKernelLine} from './errno.ts';
import {moduleLine} from './module-line.ts';
import {kernelEvidence, parseKprobeProfile, reconcilePaths, tracingDir, tracingSetupScript} from './kernel-path.ts';
import type {CellObservation, KernelPathEvidence, LoadedModule, PathProbe} from './types.ts';

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

// /proc/modules now, one short line a module ("name refs=N by a,b"): residency at a given moment.
export async function moduleSnapshot(vm: VmHandle, step: string): Promise<string[]> {
	const result = await vm.exec(['cat', '/proc/modules'], {step});
	return parseProcModules(result.stdout).map(m => moduleLine(m));
}

// Define and enable the kprobe events once per cell, before any module is loaded.
export async function setupTracing(vm: VmHandle, design: DesignName): Promise<{ok: boolean; message: string}> {
	const result = await vm.exec(['sh', '-c', tracingSetupScript(design)], {step: 'set up kprobe events'});
	const message = (result.exitCode === 0 ? result.stdout : result.stderr || result.stdout).trim().split('\n').join('; ');
	return {ok: result.exitCode === 0, message};
}

async function kprobeCounts(vm: VmHandle, step: string): Promise<ReturnType<typeof parseKprobeProfile>> {
	const result = await vm.exec(['cat', `${tracingDir}/kprobe_profile`], {step});
	return parseKprobeProfile(result.stdout);
}

// Run `work` and, when `counted`, read the kernel's kprobe hit counts before and after it: what the
// kernel saw entered during the work, independent of what the modules under test report.
export async function countedByKernel<T>(vm: VmHandle, label: string, counted: boolean, work: () => Promise<T>): Promise<{result: T; kernel?: KernelPathEvidence}> {
	if (!counted) return {result: await work()};
	const before = await kprobeCounts(vm, `${label}: kprobe_profile before`);
	const result = await work();
	const after = await kprobeCounts(vm, `${label}: kprobe_profile after`);
	return {result, kernel: kernelEvidence(before.counts, after.counts, after.lines)};
}

// What the tools recorded in the image: modules.dep as depmod wrote it and `modinfo -F depends` per module.
export async function recordedDependencies(vm: VmHandle, release: string, modules: readonly string[]): Promise<NonNullable<CellObservation['recorded']>> {
	const dep = await vm.exec(['cat', `/lib/modules/${release}/modules.dep`], {step: 'observe modules.dep'});
	const modinfoDepends: Record<string, string> = {};
	for (const name of modules) {
		const info = await vm.exec(['modinfo', '-F', 'depends', name], {step: `observe modinfo ${name}`});
		modinfoDepends[name] = info.exitCode === 0 ? info.stdout.trim() : `(modinfo exit ${info.exitCode}: ${info.stderr.trim()})`;
	}
	return {modulesDep: dep.stdout.split('\n').filter(Boolean).sort(), modinfoDepends};
}

// Versions from inside the guest: the running kernel and the guest's own kmod.
export async function guestVersions(vm: VmHandle): Promise<{kernel: string; kmod: string}> {
	const kernel = (await vm.exec(['cat', '/proc/version'], {step: 'observe /proc/version'})).stdout.trim();
	const kmod = await vm.exec(['kmod', '--version'], {step: 'observe kmod --version'});
	return {kernel, kmod: (kmod.stdout.split('\n')[0] ?? '').trim()};
}

// Whether /proc/kallsyms has curve25519_arch, and which module owns it.
export async function kallsymsArch(vm: VmHandle): Promise<{present: boolean; owner: string | undefined}> {
	const result = await vm.exec(['grep', '-w', 'curve25519_arch', '/proc/kallsyms'], {step: 'observe /proc/kallsyms'});
	const line = result.stdout.split('\n').find(l => /\bcurve25519_arch\b/.test(l));
	if (!line) return {present: false, owner: undefined};
	return {present: true, owner: /\[(\S+)\]/.exec(line)?.[1] ?? 'vmlinux'};
}

// trace_kprobe's note for a MOD:SYM probe defined before its module loads: expected, not of interest.
const kprobePendingLine = /might be able to register after target module is loaded/;

// Kernel log lines of interest (dmesg), and the taint value.
export async function kernelLog(vm: VmHandle): Promise<{lines: string[]; tainted: string}> {
	const dmesg = await vm.exec(['dmesg'], {step: 'observe dmesg'});
	const tainted = await vm.exec(['cat', '/proc/sys/kernel/tainted'], {step: 'observe taint'});
	const all = dmesg.stdout.split('\n');
	const start = all.findIndex(l => /Run \S+ as init process/.test(l));
	const lines = all.slice(start < 0 ? 0 : start + 1).filter(l => interestingKernelLine.test(l) && !kprobePendingLine.test(l)).map(l => l.replace(/^\[\s*[\d.]+\]\s*/, ''));
	return {lines, tainted: tainted.stdout.trim()};
}

async function driverCall(vm: VmHandle, request: Buffer, step: string): Promise<Buffer | undefined> {
	const answer = await vm.devio(driverDevice, request, {step});
	return answer.errno === 0 ? answer.response : undefined;
}

// Ask the driver which path serves the library API now, and check vectors through api and generic;
// with tracing on, the kernel's own count of entries into each implementation during the api batch
// is recorded next to the module's report and the two must agree (reconcilePaths).
export async function probePaths(vm: VmHandle, design: DesignName, vectors: readonly X25519Vector[], label: string, tracing = false): Promise<PathProbe> {
	const present = await vm.exec(['test', '-e', driverDevice], {step: `probe ${label}: driver present?`});
	const probe: PathProbe = {label, driverLoaded: present.exitCode === 0, archResolved: undefined, apiPaths: [], apiPassed: 0, apiTotal: 0, genericPassed: 0, genericTotal: 0, failures: []};
	probe.modules = await moduleSnapshot(vm, `probe ${label}: /proc/modules`);
	if (!probe.driverLoaded) return probe;
	const infoBytes = await driverCall(vm, encodeDriverRequest({op: 'info', mode: 'api', items: []}), `probe ${label}: info`);
	if (infoBytes) {
		const info = parseDriverInfo(infoBytes);
		probe.archResolved = design === 'mainline' ? 'strong' : info['arch_resolved'] === '1';
	}
	const items = vectors.map(v => ({scalar: v.scalar, point: v.point}));
	for (const mode of ['api', 'generic'] as const) {
		const {result: raw, kernel} = await countedByKernel(vm, `probe ${label}`, tracing && mode === 'api', () =>
			driverCall(vm, encodeDriverRequest({op: 'x25519', mode, items}), `probe ${label}: ${mode} vectors`),
		);
		if (kernel) probe.kernel = kernel;
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
	if (probe.kernel) reconcilePaths(design, probe.apiPaths, probe.kernel, label);
	return probe;
}
