// Scenarios and what a cell observes: plain data shared by the runner, claims and reports.
import type {DesignName, ModuleRole} from '../subject/designs.ts';

// One action in the guest. Modules are named by role; the runner maps roles to files/names.
export type Step =
	| {kind: 'insmod'; module: ModuleRole}
	| {kind: 'rmmod'; module: ModuleRole}
	| {kind: 'modprobe'; module: ModuleRole}
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
}

export interface StepResult {
	label: string;
	argv: string[];
	exitCode: number;
	// Errno name decoded from the tool's message (e.g. ENOENT, EPERM), if it failed.
	errno: string | undefined;
	message: string;
	// Kernel log lines printed while the step ran.
	kernelLog: string[];
	consoleEvents: string[];
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
	apiPassed: number;
	apiTotal: number;
	genericPassed: number;
	genericTotal: number;
	failures: string[];
}

export interface CellObservation {
	id: CellId;
	cellKey: string;
	status: 'completed' | 'error';
	// Set when the cell could not complete (boot failure, crash, timeout).
	error?: {class: string; message: string};
	bootMs: number;
	durationMs: number;
	cpuFeatures: string[];
	neonInCpuinfo: boolean;
	steps: StepResult[];
	modulesAtEnd: LoadedModule[];
	// /proc/kallsyms: curve25519_arch present, and which module owns it.
	kallsymsArch: {present: boolean; owner: string | undefined};
	probes: PathProbe[];
	tainted: string;
	kernelLogOfInterest: string[];
	logDir: string;
}

export type Verdict = 'holds' | 'fails' | 'n/a';

export interface ClaimResult {
	claim: string;
	verdict: Verdict;
	evidence: string;
}

export interface CellResult extends CellObservation {
	claims: ClaimResult[];
	// Stable, timing-free outcome used for baselines and flake checks.
	outcome: Record<string, unknown>;
}
