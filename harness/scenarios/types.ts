// Scenarios and what a cell observes: plain data shared by the runner, claims and reports.
import type {DesignName, ModuleRole} from '../subject/designs.ts';
import type {UnplugLoadResult} from './unplug-load.ts';

// One action in the guest. Modules are named by role; the runner maps roles to files/names.
export type Step =
	| {kind: 'insmod'; module: ModuleRole}
	| {kind: 'rmmod'; module: ModuleRole}
	| {kind: 'modprobe'; module: ModuleRole}
	// modprobe by alias (e.g. crypto-curve25519), with what kmod resolves it to recorded first.
	| {kind: 'modprobe-alias'; alias: string}
	// The kernel's own answer: the agent makes the system call itself (no tool's checks in between).
	| {kind: 'finit_module'; module: ModuleRole}
	| {kind: 'delete_module'; module: ModuleRole}
	// A caller thread loops through the library while the guest removes and inserts the arch module.
	| {kind: 'unplug-under-load'; iterations: number; seconds: number}
	// Run the vector subset through the driver now and record the path (a mid-scenario probe).
	| {kind: 'probe'; label: string};

export interface Scenario {
	id: string;
	title: string;
	description: string;
	// Whether the image carries the arch module at all.
	withArch: boolean;
	// Files written in the guest before the steps.
	files: {path: string; content: string}[];
	// Kernel command line additions.
	append: string[];
	steps: Step[];
}

export interface CellId {
	design: DesignName;
	profile: string;
	cpu: string;
	scenario: string;
	// The kernel (kernels.ts); absent for the default kernel (config-key.ts names it).
	kernel?: string;
	// The guest userland (setup/userlands.ts); absent for the default userland.
	userland?: string;
}

// Who answered a step: a kmod tool, a busybox applet, or the kernel through the agent's raw syscall.
export type StepTool = 'kmod' | 'busybox' | 'kernel';

export interface StepResult {
	label: string;
	argv: string[];
	tool: StepTool;
	exitCode: number;
	// Errno name: decoded from the tool's message, or the syscall's own errno (tool 'kernel').
	errno: string | undefined;
	message: string;
	// Lines the step printed on stdout (modprobe -R / --show-depends, the raw syscall's answer).
	stdout?: string;
	// Kernel log lines printed while the step ran.
	kernelLog: string[];
	consoleEvents: string[];
	// /proc/modules right after the step ("name refs=N by a,b"): residency at this moment.
	modulesAfter?: string[];
	// For modprobe-alias: what `modprobe -R` and `modprobe --show-depends` said before loading.
	resolved?: {modules: string[]; showDepends: string[]};
	// For unplug-under-load: the loop's counts, and the kernel's kprobe counts over the whole loop.
	load?: UnplugLoadResult & {kernel?: KernelPathEvidence};
	// Not run: the design has no module of the role the step needs on this kernel (why). Reported n/a.
	skipped?: string;
}

export interface LoadedModule {
	name: string;
	size: number;
	// From /proc/modules.
	refcount: number;
	holders: string[];
	// The same read back from /sys/module/<name>/{refcnt,holders/} and kmod's lsmod, as a cross-check.
	sysfsRefcnt?: number;
	sysfsHolders?: string[];
	inLsmod?: boolean;
}

export interface PathProbe {
	label: string;
	// Whether the driver was there to ask.
	driverLoaded: boolean;
	// Weak design: whether the library's weak curve25519_arch resolved; mainline: 'strong'.
	archResolved: boolean | 'strong' | undefined;
	// Paths that served the API-mode calls (e.g. ['arch'] or ['generic']).
	apiPaths: string[];
	// What the driver's GENERIC mode runs when it is not the kernel's exported curve25519_generic (INFO generic_mode).
	genericMode?: string;
	apiPassed: number;
	apiTotal: number;
	genericPassed: number;
	genericTotal: number;
	failures: string[];
	// Kernel-side evidence for the api batch, independent of the modules under test: kprobe hit
	// counts (kprobe_profile deltas) and the path they show. Absent when tracing was unavailable.
	kernel?: KernelPathEvidence;
	// /proc/modules at the probe ("name refs=N by a,b"): residency at this moment.
	modules?: string[];
}

export interface KernelPathEvidence {
	// Entries during the api batch: the NEON core, the generic C code, the arch glue's curve25519_arch
	// (probed in mainline's in-tree glue only; see kernel-path.ts).
	counts: {neon: number; generic: number; arch: number};
	// What those entries show: 'arch-glue→neon', 'arch-glue→generic', 'generic'.
	paths: string[];
	// The kprobe_profile lines read after the batch (raw evidence).
	raw: string[];
}

export interface CellObservation {
	id: CellId;
	cellKey: string;
	status: 'completed' | 'error';
	// Set when the cell could not complete (boot failure, crash, timeout).
	// console: the kernel's Oops/BUG/WARN/call-trace lines (kind: line) the VM's console showed before it failed.
	error?: {class: string; message: string; console?: string[]};
	bootMs: number;
	durationMs: number;
	cpuFeatures: string[];
	neonInCpuinfo: boolean;
	steps: StepResult[];
	modulesAtEnd: LoadedModule[];
	// /proc/kallsyms: curve25519_arch present, and which module owns it.
	kallsymsArch: {present: boolean; owner: string | undefined};
	// /proc/kallsyms' curve25519_neon (the NEON core) and its owner at the end of the cell.
	kallsymsNeon?: {present: boolean; owner: string | undefined};
	// Set when the design's arch code is not a module of its own on this kernel: the module that carries it
	// (libcurve25519 for mainline on 7.x, where the NEON core is linked into the library behind a static key).
	archModule?: string;
	probes: PathProbe[];
	tainted: string;
	kernelLogOfInterest: string[];
	// Why kernel-side path evidence is missing (tracing could not be set up), if it is.
	tracing?: {ok: boolean; message: string};
	// What the tools recorded in the image: modules.dep lines and `modinfo -F depends` per module; modules.weakdep's
	// lines where depmod wrote that file (kmod 33+: MODULE_WEAKDEP), absent where it did not.
	recorded?: {modulesDep: string[]; modulesWeakdep?: string[]; modinfoDepends: Record<string, string>};
	// Versions read from the guest: /proc/version and `kmod --version`.
	guest?: {kernel: string; kmod: string};
	// Where the cell's wall time went (the bench's breakdown); never part of the outcome.
	timing?: CellTiming;
	// Set when the cell first started from a saved state whose guest failed before the cell's first step (the restore's
	// fault, not the kernel's under test): why, and where that attempt's logs are. The state was discarded and the cell
	// ran again from a cold boot; what it reports is that run. Never part of the outcome.
	snapshotFault?: string;
	logDir: string;
}

// A cell's time in ms per phase (harness/scenarios/timing.ts names them), and each step and probe on its own.
export interface CellTiming {
	// How the guest started: booted, or restored from its configuration's snapshot.
	start?: 'cold' | 'restored';
	phases: Partial<Record<CellPhase, number>>;
	steps: {kind: Step['kind']; ms: number}[];
}

// The phases of a cell, in the order they happen: the image and build lookup, the wait for the snapshot (restored
// guests), the VM start (before qemu, qemu until it connects, kernel until init, init until the agent's READY; or,
// restored, the socket connection until the agent's PONG), the scenario's files, guest versions and tracing
// set-up, the load/unload steps, the path probes, the end-of-cell readings, closing the VM, writing result.json.
export type CellPhase = 'image' | 'snapshot' | 'vmPrepare' | 'qemuStart' | 'kernelBoot' | 'agentReady' | 'restore' | 'files' | 'setup' | 'steps' | 'probes' | 'readings' | 'teardown' | 'reportWrite';

// 'not evaluated': the observations needed were not made (the cell errored, or a pair claim's
// partner cell was not run).
export type Verdict = 'holds' | 'fails' | 'n/a' | 'not evaluated';

export interface ClaimResult {
	claim: string;
	verdict: Verdict;
	evidence: string;
	// A failing verdict's cause in a few words ("loaded despite the blacklist", "library unreachable (insmod lib:
	// ENOEXEC)"): cells that fail the same way share it. Absent in reports written before it existed.
	reason?: string;
	// The raw observed lines the verdict rests on (step answers, /proc/modules lines, kprobe counts).
	lines?: string[];
	// Pair claims: the cells compared.
	cells?: string[];
}

export interface CellResult extends CellObservation {
	claims: ClaimResult[];
	// Stable, timing-free outcome used for baselines and flake checks.
	outcome: Record<string, unknown>;
}

// A design × profile × CPU: what the vector and memory jobs run per configuration.
export interface ConfigId {
	design: string;
	profile: string;
	cpu: string;
	// Absent for the default kernel.
	kernel?: string;
}

export interface Deviation {
	cellKey: string;
	// Readable diff lines: "- field: baseline" / "+ field: observed".
	diff: string[];
}

// A cell whose repeats (--repeat) disagreed: each distinct outcome (JSON) with how many repeats ended that way;
// `known` when each outcome is the baseline's or a reviewed alternative (baseline.ts explainFlakes): only an
// unexplained flake fails a run.
export interface Flake {
	cellKey: string;
	outcomes: string[];
	counts?: number[];
	known?: string;
}
