// Read a cell's state from the guest: loaded modules, kallsyms, driver paths, kernel log.
import {parseLsmod, parseProcModules} from '../memory/proc-modules.ts';
import {moduleNames, type ArchHome, type DesignName} from '../subject/designs.ts';
import {decodeDriverResponse, encodeDriverRequest, parseDriverInfo} from '../subject/driver-protocol.ts';
import {KplugError} from '../util/errors.ts';
import {compareResults} from '../vectors/compare.ts';
import type {X25519Vector} from '../vectors/vector.ts';
import type {VmHandle} from '../vm/vm.ts';
import {interestingKernelLine} from './errno.ts';
import {moduleLine} from './module-line.ts';
import {kernelEvidence, parseKprobeProfile, reconcilePaths, tracingDir, tracingSetupScript} from './kernel-path.ts';
import type {CellObservation, KernelPathEvidence, LoadedModule, PathProbe} from './types.ts';

export const driverDevice = `/dev/${moduleNames.driver}`;

// /proc/modules now, one short line a module ("name refs=N by a,b"): residency at a given moment.
export async function moduleSnapshot(vm: VmHandle, step: string): Promise<string[]> {
	const result = await vm.exec(['cat', '/proc/modules'], {step});
	return parseProcModules(result.stdout).map(m => moduleLine(m));
}

// Define and enable the kprobe events once per cell, before any module is loaded.
export async function setupTracing(vm: VmHandle, design: DesignName, home?: ArchHome): Promise<{ok: boolean; message: string}> {
	const result = await vm.exec(['sh', '-c', tracingSetupScript(design, home)], {step: 'set up kprobe events'});
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

// Versions from inside the guest: the running kernel and the guest's own kmod.
export async function guestVersions(vm: VmHandle): Promise<{kernel: string; kmod: string}> {
	const kernel = (await vm.exec(['cat', '/proc/version'], {step: 'observe /proc/version'})).stdout.trim();
	const kmod = await vm.exec(['kmod', '--version'], {step: 'observe kmod --version'});
	return {kernel, kmod: (kmod.stdout.split('\n')[0] ?? '').trim()};
}

export type KallsymsEntry = {present: boolean; owner: string | undefined};

// Where /proc/kallsyms has a symbol: absent, or present and owned by a module (vmlinux when no [module]).
export function kallsymsOwner(text: string, symbol: string): KallsymsEntry {
	// A static function may carry a compiler suffix (curve25519_arch.constprop.0): still the symbol.
	const exact = new RegExp(`\\s${symbol}(\\.\\S+)?(\\s|$)`);
	const line = text.split('\n').find(l => exact.test(l));
	if (!line) return {present: false, owner: undefined};
	return {present: true, owner: /\[(\S+)\]/.exec(line)?.[1] ?? 'vmlinux'};
}

// trace_kprobe's note for a MOD:SYM probe defined before its module loads: expected, not of interest.
const kprobePendingLine = /might be able to register after target module is loaded/;

// Kernel log lines of interest (dmesg after the init line), and the taint value.
export function parseKernelLog(dmesg: string, tainted: string): {lines: string[]; tainted: string} {
	const all = dmesg.split('\n');
	const start = all.findIndex(l => /Run \S+ as init process/.test(l));
	const lines = all.slice(start < 0 ? 0 : start + 1).filter(l => interestingKernelLine.test(l) && !kprobePendingLine.test(l)).map(l => l.replace(/^\[\s*[\d.]+\]\s*/, ''));
	return {lines, tainted: tainted.trim()};
}

// --- the end-of-cell readings, in one round trip ------------------------------------------------
// Every reading a cell takes once its steps and probes are done, as one guest shell script whose sections are
// parsed as the separate reads were (one request instead of about a dozen). kmod's tools by path: busybox sh prefers
// its own applets to anything on PATH.
const mark = '@@kplug-reading ';

export interface EndReadings {
	modules: LoadedModule[];
	kallsyms: {arch: KallsymsEntry; neon: KallsymsEntry};
	recorded: NonNullable<CellObservation['recorded']>;
	log: {lines: string[]; tainted: string};
}

const weakdepFile = '(modules.weakdep)';

export function endReadingsScript(release: string, modules: readonly string[]): string {
	// Each marker on a line of its own, also after output that does not end in a newline (the parser drops the empty
	// line this adds after output that does).
	const section = (name: string): string => `echo; echo '${mark}${name}'`;
	return [
		`${section('proc-modules')}; cat /proc/modules`,
		`${section('lsmod')}; /sbin/lsmod`,
		// "name refcnt holder holder…" per module, with shell builtins only (read, a glob; no process per module under
		// TCG); the glob lists holders sorted, as ls did (names are [A-Za-z0-9_]).
		`${section('sysfs')}; while read m rest; do r=; read r < /sys/module/$m/refcnt; hs=; for h in /sys/module/$m/holders/*; do [ -e "$h" ] && hs="$hs \${h##*/}"; done; echo $m $r$hs; done < /proc/modules`,
		// A fixed-string grep (busybox's -w with two patterns took ~230 ms of a cell under TCG, -F ~40 ms); the host
		// picks the exact symbols out (kallsymsOwner).
		`${section('kallsyms')}; grep -F curve25519_ /proc/kallsyms`,
		`${section('modules.dep')}; cat /lib/modules/${release}/modules.dep`,
		// kmod 33+ writes modules.weakdep (MODULE_WEAKDEP); kmod 30 writes none: a line says which.
		`${section('modules.weakdep')}; f=/lib/modules/${release}/modules.weakdep; if [ -e $f ]; then echo '${weakdepFile}'; grep -v '^#' $f; fi`,
		...modules.map(m => `${section(`modinfo ${m}`)}; /sbin/modinfo -F depends ${m} 2>/tmp/kplug-modinfo.err; rc=$?; echo; echo "${mark}exit $rc"; cat /tmp/kplug-modinfo.err`),
		`${section('dmesg')}; dmesg`,
		`${section('tainted')}; cat /proc/sys/kernel/tainted`,
		'echo',
	].join('\n');
}

// The script's output, by section (each section's text as its command printed it).
export function readingSections(stdout: string): Map<string, string> {
	const sections = new Map<string, string>();
	let name: string | undefined;
	let lines: string[] = [];
	const flush = (): void => {
		if (name !== undefined) sections.set(name, lines.length ? lines.join('\n') + '\n' : '');
	};
	for (const line of stdout.split('\n')) {
		if (line.startsWith(mark) && !line.startsWith(`${mark}exit `)) {
			// The empty line the script printed before the marker.
			if (lines.at(-1) === '') lines.pop();
			flush();
			name = line.slice(mark.length);
			lines = [];
		} else if (name !== undefined) lines.push(line);
	}
	// The end of the output: the final newline, and the empty line the script printed after the last section.
	while (lines.at(-1) === '') lines.pop();
	flush();
	return sections;
}

// `modinfo -F depends` as the separate read reported it: its stdout, or "(modinfo exit N: stderr)".
function modinfoAnswer(text: string): string {
	const lines = text.split('\n');
	const exitAt = lines.findIndex(l => l.startsWith(`${mark}exit `));
	if (exitAt < 0) return `(modinfo exit unknown: ${text.trim()})`;
	const exitCode = Number(lines[exitAt]!.slice(mark.length + 5));
	// trim() drops the empty line the script printed before the exit marker.
	const stdout = lines.slice(0, exitAt).join('\n');
	const stderr = lines.slice(exitAt + 1).join('\n');
	return exitCode === 0 ? stdout.trim() : `(modinfo exit ${exitCode}: ${stderr.trim()})`;
}

// modules.weakdep's lines (comments dropped) where depmod wrote the file; nothing where it did not (kmod < 33).
function weakdepLines(text: string): {modulesWeakdep?: string[]} {
	const lines = text.split('\n').filter(Boolean);
	return lines[0] === weakdepFile ? {modulesWeakdep: lines.slice(1).sort()} : {};
}

// Parse the end-of-cell readings from the script's output.
export function parseEndReadings(stdout: string, modules: readonly string[]): EndReadings {
	const sections = readingSections(stdout);
	const text = (name: string): string => {
		const found = sections.get(name);
		if (found === undefined) throw new KplugError(`end-of-cell readings: no "${name}" section in the guest's answer`);
		return found;
	};
	const proc = parseProcModules(text('proc-modules'));
	const lsmod = parseLsmod(text('lsmod')).map(m => m.name);
	const rows = new Map(text('sysfs').split('\n').filter(Boolean).map(line => {
		const [name = '', refcnt = '', ...holders] = line.trim().split(/\s+/);
		return [name, {refcnt: /^-?\d+$/.test(refcnt) ? Number(refcnt) : undefined, holders: holders.sort()}] as const;
	}));
	return {
		modules: proc.map(m => ({
			name: m.name, size: m.size, refcount: m.refcount ?? -1, holders: m.holders,
			sysfsRefcnt: rows.get(m.name)?.refcnt,
			sysfsHolders: rows.get(m.name)?.holders,
			inLsmod: lsmod.includes(m.name),
		})),
		kallsyms: {arch: kallsymsOwner(text('kallsyms'), 'curve25519_arch'), neon: kallsymsOwner(text('kallsyms'), 'curve25519_neon')},
		recorded: {
			modulesDep: text('modules.dep').split('\n').filter(Boolean).sort(),
			...weakdepLines(text('modules.weakdep')),
			modinfoDepends: Object.fromEntries(modules.map(m => [m, modinfoAnswer(text(`modinfo ${m}`))])),
		},
		log: parseKernelLog(text('dmesg'), text('tainted')),
	};
}

// Take the end-of-cell readings in one request. `modinfo`: `modinfo -F depends` answers already read from the same
// image and configuration, by module; the guest's modinfo runs only for the others (each run is ~50 ms under TCG).
export async function endReadings(vm: VmHandle, release: string, modules: readonly string[], modinfo: Record<string, string> = {}): Promise<EndReadings> {
	const asked = modules.filter(m => modinfo[m] === undefined);
	const result = await vm.exec(['sh', '-c', endReadingsScript(release, asked)], {step: 'observe the end of the cell', timeoutMs: 120_000});
	const readings = parseEndReadings(result.stdout, asked);
	const read = readings.recorded.modinfoDepends;
	// In the modules' order, as a reading of all of them gives.
	readings.recorded.modinfoDepends = Object.fromEntries(modules.map(m => [m, modinfo[m] ?? read[m]!]));
	return readings;
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
		// GENERIC mode is not the kernel's exported curve25519_generic (mainline on 7.x: the driver's copy of fiat32).
		if (info['generic_mode'] && info['generic_mode'] !== 'curve25519_generic') probe.genericMode = info['generic_mode'];
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
