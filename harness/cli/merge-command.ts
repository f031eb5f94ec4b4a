// kplug merge: combine shard outputs (report.json of each run folder) into one report.
import {stat} from 'node:fs/promises';
import {basename, join} from 'node:path';
import {checkReport} from '../report/report-input.ts';
import {reportSchema, type Report, type ShardInfo} from '../report/schema.ts';
import {compareWithBaseline, defaultBaselinePath, explainFlakes, knownOutcomes, readBaseline, versionChanges, versionsOf, type VersionRecord} from '../scenarios/baseline.ts';
import {evaluatePairClaims} from '../scenarios/claims.ts';
import {cellKey} from '../scenarios/cell.ts';
import type {CellId} from '../scenarios/types.ts';
import {scenarios} from '../scenarios/registry.ts';
import {UsageError} from '../util/errors.ts';
import {readInputFile} from '../util/read-input.ts';
import type {Command} from './command.ts';
import {newRunDir, summarize, unexplainedFlakes} from './matrix-job.ts';
import {finishRun} from './report-job.ts';

// Read and check one shard's report.json.
export async function readShardReport(dir: string): Promise<Report> {
	// A shard's folder, or its report.json named directly.
	const path = basename(dir) === 'report.json' && (await stat(dir).then(s => s.isFile(), () => false)) ? dir : join(dir, 'report.json');
	let report: Report;
	try {
		report = JSON.parse(await readInputFile(path)) as Report;
	} catch (error) {
		throw new UsageError(`${path}: not a readable report (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
	}
	if (report === null || typeof report !== 'object' || report.schema !== reportSchema) throw new UsageError(`${path}: schema ${String((report as Report | null)?.schema)}, expected ${reportSchema}`);
	if (report.shard !== undefined && !isShardInfo(report.shard)) throw new UsageError(`${path}: malformed "shard" (expected {index, count, matrixCells: [{design, profile, cpu, scenario}…]})`);
	// The right version, and then every field the merge and the renderers read, checked (not cast).
	return checkReport(report, path);
}

function isShardInfo(shard: unknown): shard is ShardInfo {
	const s = shard as ShardInfo | null;
	const isCell = (c: CellId | null): boolean => c !== null && typeof c === 'object' && [c.design, c.profile, c.cpu, c.scenario].every(x => typeof x === 'string');
	return s !== null && typeof s === 'object' && Number.isSafeInteger(s.index) && Number.isSafeInteger(s.count) && s.index >= 1 && s.index <= s.count
		&& Array.isArray(s.matrixCells) && s.matrixCells.every(isCell);
}

export interface ShardCoverage {
	// Cells of the matrix the shards were cut from that no report ran (lost shards, interrupted runs).
	missing: CellId[];
	// Shard numbers (1-based) with no report among the merged ones.
	missingShards: number[];
	count: number | undefined;
}

// Check the shards against the matrix they were cut from; reports without shard info only add their own not-run cells.
export function shardCoverage(reports: readonly Report[]): ShardCoverage {
	const infos = reports.flatMap(r => (r.shard ? [r.shard] : []));
	const [first] = infos;
	const matrixKeys = (s: ShardInfo): string => s.matrixCells.map(cellKey).sort().join('\n');
	if (first && infos.some(s => s.count !== first.count || matrixKeys(s) !== matrixKeys(first))) {
		throw new UsageError(`merge: the shards were cut from different matrices (shards ${infos.map(s => `${s.index}/${s.count} of ${s.matrixCells.length} cells`).join(', ')})`);
	}
	const ran = new Set(reports.flatMap(r => r.cells.map(c => c.cellKey)));
	const expected = new Map([...(first?.matrixCells ?? []), ...reports.flatMap(r => r.notRun)].map(c => [cellKey(c), c]));
	const present = new Set(infos.map(s => s.index));
	return {
		missing: [...expected.values()].filter(c => !ran.has(cellKey(c))),
		missingShards: first ? Array.from({length: first.count}, (_, i) => i + 1).filter(i => !present.has(i)) : [],
		count: first?.count,
	};
}

// One line naming what did not run and why.
export function coverageLine(coverage: ShardCoverage): string | undefined {
	if (coverage.missing.length === 0) return undefined;
	const shards = coverage.missingShards.length ? ` (no report from shard ${coverage.missingShards.map(i => `${i}/${coverage.count}`).join(', ')})` : '';
	return `merge: ${coverage.missing.length} cells of the matrix did not run${shards}: ${coverage.missing.map(cellKey).join(', ')}`;
}

// Merge reports: cells by key (first wins), not-run minus what ran elsewhere, deviations recomputed;
// pair claims (load order) are evaluated again over the merged cells, so a pair split across shards
// is judged here although each shard could only say "not evaluated".
export function mergeReports(reports: readonly Report[], deviations: (cells: Report['cells']) => Report['deviations']): Report {
	const [first, ...rest] = reports;
	if (!first) throw new UsageError('merge: no reports');
	const cells = new Map(first.cells.map(c => [c.cellKey, c]));
	for (const r of rest) for (const c of r.cells) if (!cells.has(c.cellKey)) cells.set(c.cellKey, c);
	const notRun = shardCoverage(reports).missing;
	const all = [...cells.values()];
	const uniq = (xs: string[]): string[] => [...new Set(xs)];
	// knownOutcomes and versionChanges are the merge's own (its baseline's), never a shard's.
	const {shard: _shard, knownOutcomes: _known, versionChanges: _versions, repeats: _repeats, snapshotEvents: _events, ...header} = first;
	const snapshotEvents = reports.flatMap(r => r.snapshotEvents ?? []);
	const repeats = mergedRepeats(reports);
	return {
		...header,
		generatedAt: new Date().toISOString(),
		matrix: {
			designs: uniq([...reports.flatMap(r => r.matrix.designs), ...notRun.map(c => c.design)]),
			profiles: uniq([...reports.flatMap(r => r.matrix.profiles), ...notRun.map(c => c.profile)]),
			cpus: uniq([...reports.flatMap(r => r.matrix.cpus), ...notRun.map(c => c.cpu)]),
			scenarios: [...new Map([...reports.flatMap(r => r.matrix.scenarios), ...scenarios.filter(s => notRun.some(c => c.scenario === s.id))].map(s => [s.id, {id: s.id, title: s.title, description: s.description}])).values()],
		},
		cells: all,
		pairClaims: evaluatePairClaims(all),
		notRun,
		deviations: deviations(all),
		flakes: reports.flatMap(r => r.flakes),
		...(repeats ? {repeats} : {}),
		...(snapshotEvents.length ? {snapshotEvents} : {}),
		vectors: reports.flatMap(r => r.vectors),
		memory: reports.some(r => r.memory) ? {rows: reports.flatMap(r => r.memory?.rows ?? []), comparisons: reports.flatMap(r => r.memory?.comparisons ?? [])} : undefined,
		timing: {wallSeconds: Math.max(...reports.map(r => r.timing.wallSeconds)), cellMedianSeconds: first.timing.cellMedianSeconds, jobs: first.timing.jobs},
	};
}

// The shards' repeats as one tally: rounds asked (the most any shard asked), whole rounds (the fewest any shard
// finished; a shard without --repeat ran one), runs summed. Undefined when no shard repeated.
export function mergedRepeats(reports: readonly Report[]): Report['repeats'] {
	if (!reports.some(r => r.repeats)) return undefined;
	const of = (r: Report): NonNullable<Report['repeats']> => r.repeats ?? {asked: 1, completeRounds: 1, runs: r.cells.length};
	const restoreFaults = reports.reduce((sum, r) => sum + (r.repeats?.restoreFaults ?? r.cells.filter(c => c.snapshotFault).length), 0);
	return {asked: Math.max(...reports.map(r => of(r).asked)), completeRounds: Math.min(...reports.map(r => of(r).completeRounds)), runs: reports.reduce((sum, r) => sum + of(r).runs, 0), ...(restoreFaults ? {restoreFaults} : {})};
}

// The versions the shards' cells ran with: QEMU and cross-gcc of the host each shard ran on (the merging machine may
// have neither), the first shard's where two ran the same profile.
export function shardVersions(reports: readonly Report[]): Record<string, VersionRecord> {
	const out: Record<string, VersionRecord> = {};
	for (const r of reports) {
		for (const [profile, record] of Object.entries(versionsOf(r.cells, {qemu: r.host.qemu, gcc: r.host.gcc ?? 'unknown'}))) out[profile] ??= record;
	}
	return out;
}

export const mergeCommand: Command = {
	name: 'merge',
	summary: 'merge shard run folders (from run --shard i/n) into one report',
	usage: 'kplug merge DIR… [--baseline FILE] [--out DIR] [--json]',
	details: 'Cells of the sharded matrix that no shard report holds (a lost shard, an interrupted run) are listed as not run.\nExit: 0 every cell ran and no deviation, 1 deviations, unexplained flakes or cells not run, 2 bad input.',
	options: {baseline: {type: 'string'}},
	writes: ['out'],
	positionals: true,
	async run(args) {
		if (args.positionals.length === 0) throw new UsageError('merge: give the run folders to merge (kplug merge DIR…)');
		const reports = await Promise.all(args.positionals.map(readShardReport));
		const baseline = await readBaseline(typeof args.values['baseline'] === 'string' ? args.values['baseline'] : defaultBaselinePath);
		const coverage = shardCoverage(reports);
		const merged = mergeReports(reports, cells => compareWithBaseline(baseline, cells, evaluatePairClaims(cells)));
		const known = knownOutcomes(baseline, merged.cells);
		const changes = versionChanges(baseline, shardVersions(reports));
		// A shard's flakes are judged again against this baseline, as its deviations are.
		const flakes = explainFlakes(baseline, merged.flakes, merged.cells);
		const report = {...merged, flakes, ...(known.length ? {knownOutcomes: known} : {}), ...(changes.length ? {versionChanges: changes} : {})};
		const runDir = await newRunDir(args.outDir, 'merge');
		const failed = report.deviations.length > 0 || unexplainedFlakes(report).length > 0;
		return finishRun(args, {runDir, report, json: report, summary: bundle => summarize({report, runDir, bundle, failed}), failed, problems: [coverageLine(coverage)]});
	},
};
