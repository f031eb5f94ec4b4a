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
import {profileName} from './config-key.ts';
import {scenario as lookupScenario} from './registry.ts';
import type {CellId, CellResult, Flake} from './types.ts';

export interface MatrixRunOptions {
	ctx: BuildContext;
	cells: readonly CellId[];
	jobs: number;
	repeat: number;
	runDir: string;
	vectors: readonly X25519Vector[];
	// Called after each cell (all repeats) finishes, in completion order.
	onCell?: (result: CellResult) => void | Promise<void>;
	// The command's interrupt (default: ctx.signal): no new cell starts, and a cell it stops is not run, not an error.
	signal?: AbortSignal;
	// Start cells that share a boot configuration from one saved VM state (subject/snapshots.ts) instead of cold.
	snapshots?: boolean;
}

export interface MatrixRunResult {
	results: CellResult[];
	flakes: Flake[];
	notRun: CellId[];
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

// One cell, repeated; the first run is the result, differing outcomes are a flake.
async function runRepeated(options: MatrixRunOptions, id: CellId, store: SnapshotStore | undefined): Promise<{result: CellResult; outcomes: string[]}> {
	const ctx = options.signal ? {...options.ctx, signal: options.signal} : options.ctx;
	const outcomes: string[] = [];
	let first: CellResult | undefined;
	for (let i = 0; i < options.repeat; i++) {
		const dir = options.repeat > 1 ? join(options.runDir, `repeat-${i + 1}`) : options.runDir;
		const observation = await runCell(ctx, id, dir, options.vectors, store ? {snapshots: store} : {});
		const result = cellResult(observation);
		outcomes.push(JSON.stringify(result.outcome));
		first ??= result;
	}
	return {result: first!, outcomes};
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
	const finished: CellResult[] = [];
	const flakes: MatrixRunResult['flakes'] = [];
	const store = options.snapshots ? new SnapshotStore(signal ? {...options.ctx, signal} : options.ctx) : undefined;
	for (const c of store ? options.cells : []) store!.plan(cellBootConfig(c), options.repeat);
	// The jobs' shared pool: a cell the interrupt stops (all its repeats) stays in the not-run list.
	const pool = await runPool(options.cells, {
		jobs: options.jobs,
		signal,
		run: id => runRepeated({...options, signal}, id, store),
		onDone: async (_id, {result, outcomes}) => {
			const distinct = [...new Set(outcomes)];
			if (distinct.length > 1) flakes.push({cellKey: result.cellKey, outcomes: distinct, counts: distinct.map(o => outcomes.filter(x => x === o).length)});
			finished.push(result);
			const errors = finished.filter(r => r.status === 'error').length;
			options.ctx.progress.status(cellProgressLine(finished.length, options.cells.length, result, errors, performance.now() - started));
			const writing = performance.now();
			await writeFileAtomic(join(result.logDir, 'result.json'), JSON.stringify(result, null, 2) + '\n');
			await options.onCell?.(result);
			// After the fact, so only the in-memory result carries it (result.json is what was being written).
			if (result.timing) result.timing.phases.reportWrite = Math.round(performance.now() - writing);
		},
	}).finally(() => store?.dispose());
	return {results: pool.done.map(d => d.result.result), flakes, notRun: pool.notRun};
}
