// What the memory job produces (report.json carries it as is).
import type {ConfigId} from '../scenarios/types.ts';
import type {WithinBootSummary} from './within-boot.ts';

export interface MemoryRow {
	design: string;
	profile: string;
	cpu: string;
	// Absent for the default kernel.
	kernel?: string;
	// Situation: loaded, absent, blacklisted, refused.
	situation: string;
	archResident: boolean;
	archCoreSize: number | undefined;
	// The /proc/modules size column (core + init as the kernel accounts them).
	archProcModulesSize?: number | undefined;
	// /sys/module/<arch>/initsize read after the load (init sections are freed once init ran).
	archInitSize?: number | undefined;
	archVmallocBytes: number | undefined;
	archVmallocPages: number | undefined;
	memAvailableMedianKb: number | undefined;
	// max − min of MemAvailable over the boots.
	memAvailableSpreadKb?: number | undefined;
	boots: number;
	// Boots that failed (the rig could not measure them) and boots the interrupt stopped or never started.
	bootsFailed?: number;
	bootsNotRun?: number;
	// Failed steps or boots behind this row (e.g. the library could not load).
	notes?: string[];
	// A design whose arch code is inside another module (mainline on 7.x: libcurve25519): that module, whose sizes the
	// arch columns then give, and the bytes of NEON core it carries (curve25519_neon's size in the .ko, nm -S).
	archModule?: string;
	neonCoreBytes?: number;
}

// The within-boot method for one configuration: insert/remove rounds against control rounds in one guest.
export interface WithinBootReport extends ConfigId, Partial<WithinBootSummary> {
	// The rig could not measure it (boot or agent failure): no figures.
	error?: string;
	// Modules the arch module needs that would not load.
	notes?: string[];
}

export interface MemoryReport {
	rows: MemoryRow[];
	comparisons: MemoryComparison[];
	withinBoot?: WithinBootReport[];
	// Configurations whose within-boot run the interrupt stopped or never started.
	withinBootNotRun?: ConfigId[];
}

export interface MemoryComparison {
	design: string;
	profile: string;
	cpu: string;
	// Absent for the default kernel.
	kernel?: string;
	field: string;
	medianWithKb: number;
	medianWithoutKb: number;
	differenceKb: number;
	noiseFloorKb: number;
	aboveNoise: boolean;
	statement: string;
}
