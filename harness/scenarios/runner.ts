// Run cells on a pool of workers (each cell in its own fresh VM); results are handed over as they finish.
import {mkdir} from 'node:fs/promises';
import {join} from 'node:path';
import {ModuleSetBuildError} from '../build/build.ts';
import {UserlandUnavailableError} from '../setup/userlands.ts';
import type {BuildContext} from '../build/context.ts';
import {design as lookupDesign} from '../subject/designs.ts';
import {guestImage, profileBuild} from '../subject/guest.ts';
import {SnapshotStore} from '../subject/snapshots.ts';
import {writeFileAtomic} from '../util/atomic.ts';
import {runPool} from '../util/pool.ts';
import type {X25519Vector} from '../vectors/vector.ts';
import {cellBootConfig, runCell} from './cell.ts';
import {cellResult} from './claims.ts';
import {cellKey, profileName} from './config-key.ts';
import {scenario as lookupScenario} from './registry.ts';
import type {CellId, CellResult, Flake} from './types.ts';

export interface MatrixRunOptions {
	ctx: BuildContext;
	cells: readonly CellId[];
	jobs: number;
	repeat: number;
	runDir: string;
	vectors: readonly X25519Vector[];
	// Called when a cell's first run (its result) finishes, in completion order; later repeats only count outcomes.
	onCell?: (result: CellResult) => void | Promise<void>;
	// With --repeat: called after every run, with a way to read the flakes and tally so far (for partial reports).
	onRun?: (soFar: () => {flakes: Flake[]; repeats: RepeatTally}) => void;
	// The command's interrupt (default: ctx.signal): no new cell starts, and a cell it stops is not run, not an error.
	signal?: AbortSignal;
	// Start cells that share a boot configuration from one saved VM state (subject/snapshots.ts) instead of cold.
	snapshots?: boolean;
}

export interface MatrixRunResult {
	results: CellResult[];
	flakes: Flake[];
	notRun: CellId[];
	repeats: RepeatTally;
	// Saved states refused by their check restore (saved again), discarded after a restored guest failed, or not made.
	snapshotEvents: SnapshotEvent[];
}

export interface SnapshotEvent {
	what: 'refused' | 'discarded' | 'not made';
	key: string;
	message: string;
}

// Build every kernel and image the cells need, one at a time, before cells run in parallel.
export async function prepareCells(ctx: BuildContext, cells: readonly CellId[]): Promise<void> {
	const builds = new Map(cells.map(c => [profileName(c), c]));
	for (const c of builds.values()) await profileBuild(ctx, c.profile, c.kernel);
	const images = new Map<string, CellId & {withArch: boolean}>();
	for (const c of cells) {
		const withArch = lookupScenario(c.scenario).withArch;
		images.set(`${profileName(c)}/${c.design}/${withArch}`, {...c, withArch});
	}
	for (const c of images.values()) {
		try {
			await guestImage(ctx, {kernel: c.kernel, ...(c.userland ? {userland: c.userland} : {}), profile: c.profile, design: lookupDesign(c.design).name, cpu: c.cpu, withArch: c.withArch});
		} catch (error) {
			// A design that does not build on this kernel, or a userland whose packages or depmod cannot be had: its
			// cells run, fail at once with that line and are listed as errors (not dropped; the others still run).
			if (!(error instanceof ModuleSetBuildError) && !(error instanceof UserlandUnavailableError)) throw error;
			ctx.progress.status(error.message);
		}
	}
}

// One run of one cell: which cell, and which round of the repeats (1-based; round 1 is the cell's result).
export interface RepeatTask {
	id: CellId;
	round: number;
}

// Round-major order: the whole list of cells once per round, so an interrupted --repeat run leaves whole rounds
// (every cell the same number of times, bar the round it stopped in), and a round's saved VM states are freed
// before the next round's are made.
export function repeatTasks(cells: readonly CellId[], repeat: number): RepeatTask[] {
	return Array.from({length: repeat}, (_, r) => cells.map(id => ({id, round: r + 1}))).flat();
}

// The repeats' tally: whole rounds are 1..k with every round of every cell finished (rounds of one cell can run at
// once when cells are few, so a later round may finish before an earlier one the interrupt stopped), and runs in all.
export function repeatTally(cells: readonly CellId[], rounds: ReadonlyMap<string, ReadonlySet<number>>, asked: number, runs: number, restoreFaults = 0): RepeatTally {
	const prefix = (done: ReadonlySet<number> | undefined): number => {
		let k = 0;
		while (done?.has(k + 1)) k++;
		return k;
	};
	const completeRounds = cells.length ? Math.min(...cells.map(c => prefix(rounds.get(cellKey(c))))) : 0;
	return {asked, completeRounds, runs, ...(restoreFaults ? {restoreFaults} : {})};
}

// Cells whose finished runs ended more than one way, with how many ended each way.
export function flakesOf(keys: readonly string[], outcomes: ReadonlyMap<string, readonly string[]>): Flake[] {
	const flakes: Flake[] = [];
	for (const key of keys) {
		const seen = outcomes.get(key) ?? [];
		const distinct = [...new Set(seen)];
		if (distinct.length > 1) flakes.push({cellKey: key, outcomes: distinct, counts: distinct.map(o => seen.filter(x => x === o).length)});
	}
	return flakes;
}

export interface RepeatTally {
	asked: number;
	completeRounds: number;
	runs: number;
	// Runs whose restored guest failed before their first step and ran again cold (CellObservation.snapshotFault).
	restoreFaults?: number;
}

// What is kept in memory of a repeat after round 1.
type RepeatRun = Pick<CellResult, 'cellKey' | 'outcome' | 'status' | 'error' | 'durationMs' | 'snapshotFault'>;

async function runOnce(options: MatrixRunOptions, task: RepeatTask, store: SnapshotStore | undefined): Promise<CellResult> {
	const ctx = options.signal ? {...options.ctx, signal: options.signal} : options.ctx;
	const dir = options.repeat > 1 ? join(options.runDir, `repeat-${task.round}`) : options.runDir;
	// Each round restores states saved in that round: repeats are independent boots, not replays of one state.
	const observation = await runCell(ctx, task.id, dir, options.vectors, store ? {snapshots: store.round(task.round)} : {});
	return cellResult(observation);
}

// The progress line after each finished cell (rewritten in place on a TTY): done/total, the cell, its status,
// errors so far and an ETA from the pace so far (the cells left × the mean wall time per finished cell).
export function cellProgressLine(done: number, total: number, result: Pick<CellResult, 'cellKey' | 'status' | 'error' | 'durationMs'>, errorsSoFar: number, elapsedMs: number): string {
	const left = total - done;
	const etaS = done > 0 ? Math.round((elapsedMs / done) * left / 1000) : 0;
	const eta = left === 0 ? 'done' : `ETA ${etaS >= 60 ? `${Math.floor(etaS / 60)}m${String(etaS % 60).padStart(2, '0')}s` : `${etaS}s`}`;
	return `cell ${done}/${total} ${result.cellKey}: ${result.status}${result.error ? ` (${result.error.class})` : ''} in ${(result.durationMs / 1000).toFixed(1)}s — ${errorsSoFar} error${errorsSoFar === 1 ? '' : 's'} so far, ${eta}`;
}

// Run the cells with `jobs` workers; an interrupted run returns what finished and lists the rest as not run.
export async function runMatrix(options: MatrixRunOptions): Promise<MatrixRunResult> {
	const signal = options.signal ?? options.ctx.signal;
	await mkdir(join(options.runDir, 'cells'), {recursive: true});
	await prepareCells(signal ? {...options.ctx, signal} : options.ctx, options.cells);
	const started = performance.now();
	const tasks = repeatTasks(options.cells, options.repeat);
	// Every finished run's outcome per cell (in the order runs finished) and which rounds finished; round 1's result is
	// the cell's.
	const outcomes = new Map<string, string[]>();
	const rounds = new Map<string, Set<number>>();
	const firstRounds: string[] = [];
	let runs = 0;
	const store = options.snapshots ? new SnapshotStore(signal ? {...options.ctx, signal} : options.ctx) : undefined;
	for (const t of store ? tasks : []) store!.plan(cellBootConfig(t.id), 1, t.round);
	// The jobs' shared pool: a cell whose first round the interrupt stops stays in the not-run list; later rounds
	// it stops only shorten that cell's repeats (the tally says how many rounds were whole).
	let errorRuns = 0;
	let restoreFaults = 0;
	const pool = await runPool(tasks, {
		jobs: options.jobs,
		signal,
		run: async (task, taskSignal) => {
			const result = await runOnce({...options, signal: taskSignal}, task, store);
			if (task.round === 1) return result;
			// A later repeat: its result.json now (a killed run keeps every finished repeat on disk), and only what the
			// tally needs in memory (thousands of whole results would be hundreds of MB).
			await writeFileAtomic(join(result.logDir, 'result.json'), JSON.stringify(result, null, 2) + '\n');
			return {cellKey: result.cellKey, outcome: result.outcome, status: result.status, error: result.error, durationMs: result.durationMs, snapshotFault: result.snapshotFault} satisfies RepeatRun;
		},
		onDone: async (task, result) => {
			runs++;
			if (result.status === 'error') errorRuns++;
			if (result.snapshotFault) restoreFaults++;
			const seen = outcomes.get(result.cellKey) ?? [];
			seen.push(JSON.stringify(result.outcome));
			outcomes.set(result.cellKey, seen);
			rounds.set(result.cellKey, (rounds.get(result.cellKey) ?? new Set()).add(task.round));
			if (task.round === 1) firstRounds.push(result.cellKey);
			if (options.repeat > 1) options.onRun?.(() => ({flakes: flakesOf(firstRounds, outcomes), repeats: repeatTally(options.cells, rounds, options.repeat, runs, restoreFaults)}));
			const shown = options.repeat > 1 ? {...result, cellKey: `${result.cellKey} (repeat ${task.round}/${options.repeat})`} : result;
			options.ctx.progress.status(cellProgressLine(runs, tasks.length, shown, errorRuns, performance.now() - started));
			if (task.round !== 1) return;
			const full = result as CellResult;
			const writing = performance.now();
			await writeFileAtomic(join(full.logDir, 'result.json'), JSON.stringify(full, null, 2) + '\n');
			await options.onCell?.(full);
			// After the fact, so only the in-memory result carries it (result.json is what was being written).
			if (full.timing) full.timing.phases.reportWrite = Math.round(performance.now() - writing);
		},
	}).finally(() => store?.dispose());
	const results = pool.done.filter(d => d.task.round === 1).map(d => d.result as CellResult);
	const ran = new Set(results.map(r => r.cellKey));
	const snapshotEvents = store ? [...store.refused.map(e => ({...e, what: 'refused' as const})), ...store.discarded.map(e => ({...e, what: 'discarded' as const})), ...store.failures.map(e => ({...e, what: 'not made' as const}))] : [];
	return {results, flakes: flakesOf(results.map(r => r.cellKey), outcomes), notRun: options.cells.filter(c => !ran.has(cellKey(c))), repeats: repeatTally(options.cells, rounds, options.repeat, runs, restoreFaults), snapshotEvents};
}
