// report.json: the versioned result of a run, the single source for report.md/html and junit.xml.
import type {WithinBootSummary} from '../memory/within-boot.ts';
import type {CellId, CellResult, ClaimResult} from '../scenarios/types.ts';

export const reportSchema = 'kplug-report/1';

export interface ClaimDefinition {
	id: string;
	text: string;
	// Who said it and the verbatim quote (the seed message or the thread).
	source: string;
	// 'cell': judged per cell; 'pair': over two cells of one configuration (Report.pairClaims).
	scope?: 'cell' | 'pair';
}

export interface Deviation {
	cellKey: string;
	// Readable diff lines: "- field: baseline" / "+ field: observed".
	diff: string[];
}

export interface VectorPathReport {
	path: 'api' | 'generic';
	// Which implementation(s) actually served the api path (arch, generic, arch-entry).
	servedBy: string[];
	total: number;
	passed: number;
	failed: {id: string; expectedHex: string; gotHex: string; expectedOk: boolean; gotOk: boolean; differingBytes: number[]}[];
	opsPerSecond: number;
	guestSeconds: number;
}

export interface VectorCellReport {
	design: string;
	profile: string;
	cpu: string;
	seed: number;
	sources: Record<string, number>;
	paths: VectorPathReport[];
	// api ops/s divided by generic ops/s (measured under TCG emulation).
	archToGenericSpeedRatio: number | undefined;
	iterated: {id: string; iterations: number; passed: boolean; path: string}[];
	// The rig could not run the cell (VM failure, driver error).
	error?: string;
	// The design's library cannot load in this cell (a finding, not a failure): no path to test.
	unavailable?: string;
}

export interface MemoryRow {
	design: string;
	profile: string;
	cpu: string;
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
}

// A design × profile × CPU: what the vector and memory jobs run per configuration.
export interface ConfigId {
	design: string;
	profile: string;
	cpu: string;
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
	field: string;
	medianWithKb: number;
	medianWithoutKb: number;
	differenceKb: number;
	noiseFloorKb: number;
	aboveNoise: boolean;
	statement: string;
}

export interface Report {
	schema: typeof reportSchema;
	generatedAt: string;
	kplugVersion: string;
	host: {cores: number; node: string; qemu: string; gcc?: string; emulation: 'TCG'};
	kernel: {sourcePackage: string; sourceVersion: string; release: string};
	matrix: {designs: string[]; profiles: string[]; cpus: string[]; scenarios: {id: string; title: string; description: string}[]};
	claims: ClaimDefinition[];
	cells: CellResult[];
	// Claims judged over two cells (load order: arch-first vs lib-first of one configuration).
	pairClaims?: ClaimResult[];
	notRun: CellId[];
	deviations: Deviation[];
	flakes: {cellKey: string; outcomes: string[]}[];
	vectors: VectorCellReport[];
	// Vector cells the interrupt stopped or never started (absent in reports written before this field).
	vectorsNotRun?: ConfigId[];
	memory: MemoryReport | undefined;
	timing: {wallSeconds: number; cellMedianSeconds: number | undefined; jobs: number};
	// Set by run --shard i/n: the whole matrix the shard was cut from, so merge can tell a lost shard.
	shard?: ShardInfo;
}

export interface ShardInfo {
	index: number;
	count: number;
	matrixCells: CellId[];
}
