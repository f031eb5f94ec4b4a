// report.json: the versioned result of a run, the single source for report.md/html and junit.xml.
import type {MemoryReport} from '../memory/types.ts';
import type {CellId, CellResult, ClaimResult, ConfigId, Deviation, Flake} from '../scenarios/types.ts';
import type {VectorCellReport} from '../vectors/types.ts';

// The result types live in the stage that produces them; report.json is assembled from them.
export type {MemoryComparison, MemoryReport, MemoryRow, WithinBootReport} from '../memory/types.ts';
export type {ConfigId, Deviation} from '../scenarios/types.ts';
export type {VectorCellReport, VectorPathReport} from '../vectors/types.ts';

export const reportSchema = 'kplug-report/1';

export interface ClaimDefinition {
	id: string;
	text: string;
	// Who said it and the verbatim quote (the seed message or the thread).
	source: string;
	// 'cell': judged per cell; 'pair': over two cells of one configuration (Report.pairClaims).
	scope?: 'cell' | 'pair';
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
	// Cells whose repeats disagreed (--repeat); `known` when each outcome is the baseline's or a reviewed alternative.
	flakes: Flake[];
	// Set by --repeat N (N > 1): rounds asked, rounds every cell finished (fewer when interrupted), runs in all.
	repeats?: {asked: number; completeRounds: number; runs: number; restoreFaults?: number};
	// Saved VM states refused by their check restore (another was saved), discarded after a guest restored from one
	// failed before its first step, or not made (those boots started cold). Absent when there were none.
	snapshotEvents?: {what: 'refused' | 'discarded' | 'not made'; key: string; message: string}[];
	// Cells that ended with an outcome the baseline records as a reviewed alternative (a known kernel race), not a deviation.
	knownOutcomes?: {cellKey: string; why: string}[];
	// Profiles whose versions (guest kernel and kmod, host QEMU and cross-gcc) differ from the baseline's: one line
	// each, not a deviation; their cells were compared all the same.
	versionChanges?: {profile: string; changed: string[]; diff: string[]}[];
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
