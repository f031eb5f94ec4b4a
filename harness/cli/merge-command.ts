// kplug merge: combine shard outputs (report.json of each run folder) into one report.
import {readFile} from 'node:fs/promises';
import {join} from 'node:path';
import {reportSchema, type Report} from '../report/schema.ts';
import {bundleReport, writeReport} from '../report/write.ts';
import {compareWithBaseline, defaultBaselinePath, readBaseline} from '../scenarios/baseline.ts';
import {cellKey} from '../scenarios/cell.ts';
import {UsageError} from '../util/errors.ts';
import {output, type Command} from './command.ts';
import {newRunDir, summarize} from './matrix-job.ts';

// Read and check one shard's report.json.
export async function readShardReport(dir: string): Promise<Report> {
	const path = join(dir, 'report.json');
	let report: Report;
	try {
		report = JSON.parse(await readFile(path, 'utf8')) as Report;
	} catch (error) {
		throw new UsageError(`${path}: not a readable report (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
	}
	if (report === null || typeof report !== 'object' || report.schema !== reportSchema) throw new UsageError(`${path}: schema ${String((report as Report | null)?.schema)}, expected ${reportSchema}`);
	return report;
}

// Merge reports: cells by key (first wins), not-run minus what ran elsewhere, deviations recomputed.
export function mergeReports(reports: readonly Report[], deviations: (cells: Report['cells']) => Report['deviations']): Report {
	const [first, ...rest] = reports;
	if (!first) throw new UsageError('merge: no reports');
	const cells = new Map(first.cells.map(c => [c.cellKey, c]));
	for (const r of rest) for (const c of r.cells) if (!cells.has(c.cellKey)) cells.set(c.cellKey, c);
	const notRun = new Map(reports.flatMap(r => r.notRun).map(c => [cellKey(c), c]));
	for (const key of cells.keys()) notRun.delete(key);
	const all = [...cells.values()];
	const uniq = (xs: string[]): string[] => [...new Set(xs)];
	return {
		...first,
		generatedAt: new Date().toISOString(),
		matrix: {
			designs: uniq(reports.flatMap(r => r.matrix.designs)),
			profiles: uniq(reports.flatMap(r => r.matrix.profiles)),
			cpus: uniq(reports.flatMap(r => r.matrix.cpus)),
			scenarios: [...new Map(reports.flatMap(r => r.matrix.scenarios).map(s => [s.id, s])).values()],
		},
		cells: all,
		notRun: [...notRun.values()],
		deviations: deviations(all),
		flakes: reports.flatMap(r => r.flakes),
		vectors: reports.flatMap(r => r.vectors),
		memory: reports.some(r => r.memory) ? {rows: reports.flatMap(r => r.memory?.rows ?? []), comparisons: reports.flatMap(r => r.memory?.comparisons ?? [])} : undefined,
		timing: {wallSeconds: Math.max(...reports.map(r => r.timing.wallSeconds)), cellMedianSeconds: first.timing.cellMedianSeconds, jobs: first.timing.jobs},
	};
}

export const mergeCommand: Command = {
	name: 'merge',
	summary: 'merge shard run folders (from run --shard i/n) into one report',
	usage: 'kplug merge DIR… [--baseline FILE] [--out DIR] [--json]',
	details: 'Exit: 0 no deviation, 1 deviations or flakes, 2 bad input.',
	options: {baseline: {type: 'string'}},
	writes: ['out'],
	positionals: true,
	async run(args) {
		if (args.positionals.length === 0) throw new UsageError('merge: give the run folders to merge (kplug merge DIR…)');
		const reports = await Promise.all(args.positionals.map(readShardReport));
		const baseline = await readBaseline(typeof args.values['baseline'] === 'string' ? args.values['baseline'] : defaultBaselinePath);
		const report = mergeReports(reports, cells => compareWithBaseline(baseline, cells));
		const runDir = await newRunDir(args.outDir, 'merge');
		await writeReport(runDir, report);
		const bundle = await bundleReport(runDir);
		output(args, report, summarize({report, runDir, bundle, failed: false}));
		return report.deviations.length > 0 || report.flakes.length > 0 ? 1 : 0;
	},
};
