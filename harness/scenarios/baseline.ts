// Baselines: each cell's observed outcome, kept in the repo for review; a changed outcome is a deviation.
import {readFile} from 'node:fs/promises';
import {KplugError} from '../util/errors.ts';
import {writeFileAtomic} from '../util/atomic.ts';
import {repoPath} from '../util/paths.ts';
import type {Deviation} from '../report/schema.ts';
import {diffOutcome} from './outcome.ts';
import type {CellResult} from './types.ts';

export const defaultBaselinePath = repoPath('test/baselines/matrix.json');

export interface Baseline {
	schema: 'kplug-baseline/1';
	cells: Record<string, Record<string, unknown>>;
}

// Read the baseline file (an absent file is an empty baseline).
export async function readBaseline(path = defaultBaselinePath): Promise<Baseline> {
	let text: string;
	try {
		text = await readFile(path, 'utf8');
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'ENOENT') return {schema: 'kplug-baseline/1', cells: {}};
		throw new KplugError(`${path}: unreadable baseline (${code ?? String(error)})`);
	}
	try {
		const parsed = JSON.parse(text) as Baseline;
		if (parsed === null || typeof parsed !== 'object' || parsed.schema !== 'kplug-baseline/1' || typeof parsed.cells !== 'object' || parsed.cells === null || Array.isArray(parsed.cells)) throw new Error('not a kplug-baseline/1 file');
		return parsed;
	} catch (error) {
		throw new KplugError(`${path}: unreadable baseline (${(error as Error).message})`);
	}
}

// Deviations of completed run cells from the baseline.
export function compareWithBaseline(baseline: Baseline, cells: readonly CellResult[]): Deviation[] {
	const deviations: Deviation[] = [];
	for (const cell of cells) {
		const diff = diffOutcome(baseline.cells[cell.cellKey], cell.outcome);
		if (diff.length > 0) deviations.push({cellKey: cell.cellKey, diff});
	}
	return deviations;
}

// Refresh the baseline with these cells' outcomes (other cells are kept), sorted for review.
export async function updateBaseline(cells: readonly CellResult[], path = defaultBaselinePath): Promise<number> {
	const baseline = await readBaseline(path);
	for (const cell of cells) baseline.cells[cell.cellKey] = cell.outcome;
	const sorted: Baseline = {schema: 'kplug-baseline/1', cells: Object.fromEntries(Object.entries(baseline.cells).sort(([a], [b]) => (a < b ? -1 : 1)))};
	await writeFileAtomic(path, JSON.stringify(sorted, null, 2) + '\n');
	return cells.length;
}
