// Per-cell phase breakdown over a matrix run: median and spread per phase, largest first, so the next speed-up
// goes where the time is.
import {median, spread} from '../memory/stats.ts';
import {cellPhases} from '../scenarios/timing.ts';
import type {CellTiming} from '../scenarios/types.ts';

export interface PhaseRow {
	// A phase ('kernelBoot') or one kind of step ('step insmod', 'step probe').
	name: string;
	// Cells (for a phase) or step runs (for a step kind) measured.
	n: number;
	medianMs: number;
	q1Ms: number;
	q3Ms: number;
	minMs: number;
	maxMs: number;
	// A phase's median as a share of the sum of the phase medians (phases do not overlap); steps have none.
	share?: number;
}

function row(name: string, values: number[], total?: number): PhaseRow {
	const s = spread(values);
	const m = median(values);
	return {name, n: values.length, medianMs: m, q1Ms: s.q1, q3Ms: s.q3, minMs: s.min, maxMs: s.max, ...(total !== undefined ? {share: total > 0 ? m / total : 0} : {})};
}

// Phases (largest median first, with their share), then each step kind (largest first). Cells without timing and
// phases no cell measured are left out.
export function phaseBreakdown(timings: readonly (CellTiming | undefined)[]): {phases: PhaseRow[]; steps: PhaseRow[]} {
	const present = timings.filter((t): t is CellTiming => t !== undefined);
	const samples = cellPhases
		.map(phase => ({phase, values: present.map(t => t.phases[phase]).filter((v): v is number => v !== undefined)}))
		.filter(p => p.values.length > 0);
	const total = samples.reduce((sum, p) => sum + median(p.values), 0);
	const byMedian = (a: PhaseRow, b: PhaseRow): number => b.medianMs - a.medianMs || a.name.localeCompare(b.name);
	const phases = samples.map(p => row(p.phase, p.values, total)).sort(byMedian);
	const kinds = new Map<string, number[]>();
	for (const t of present) for (const s of t.steps) kinds.set(s.kind, [...(kinds.get(s.kind) ?? []), s.ms]);
	const steps = [...kinds].map(([kind, values]) => row(`step ${kind}`, values)).sort(byMedian);
	return {phases, steps};
}

// One line of detail for a row: count, quartiles, range and share.
export function phaseDetail(r: PhaseRow): string {
	const ms = (x: number): string => String(Math.round(x));
	return `n=${r.n}, q1 ${ms(r.q1Ms)}, q3 ${ms(r.q3Ms)}, min ${ms(r.minMs)}, max ${ms(r.maxMs)}${r.share !== undefined ? `, ${Math.round(r.share * 100)}% of the cell` : ''}`;
}
