// The vector job shared by `kplug vectors` and `kplug start`: full vector sets per design × profile × CPU.
import {defaultUserland} from '../setup/userlands.ts';
import type {BuildContext} from '../build/context.ts';
import type {ConfigId, VectorCellReport} from '../report/schema.ts';
import {expandMatrix} from '../scenarios/matrix.ts';
import {intOption, type OptionSpec, type ParsedArgs, vmJobsOption} from './command.ts';
import type {SubjectFilter} from './subject-options.ts';
import {configKey, kernelField} from '../scenarios/config-key.ts';
import {runPool} from '../util/pool.ts';
import {prepareUnlessInterrupted} from './job-pool.ts';
import {runVectorCell, type VectorCellId} from '../vectors/cell.ts';
import {loadVectorSet, type VectorSet} from '../vectors/select.ts';
import {UsageError} from '../util/errors.ts';
import {kunitLine, kunitPassed} from '../vectors/kunit-result.ts';

export const vectorOptions: OptionSpec = {
	file: {type: 'string'},
	random: {type: 'string'},
	seed: {type: 'string'},
	million: {type: 'boolean'},
	'no-wycheproof': {type: 'boolean'},
};

export const vectorHelp = `Vector sources: RFC 7748 (§5.2, §6.1, iterated ×1 and ×1,000; --million adds ×1,000,000),
all Project Wycheproof x25519 tests (vectors/ in the repository; --no-wycheproof to skip), --random N seeded
vectors checked against @noble/curves (default 1000; --seed S reproduces a run), and --file F in the
Wycheproof x25519 schema. Every vector goes through the api path (the design's library) and the
generic path, in batches through the test driver. Throughput is measured under TCG emulation.`;

export interface VectorJobResult {
	reports: VectorCellReport[];
	// Cells the interrupt stopped or never started: not run, never an error.
	notRun: VectorCellId[];
}

// What the job runs (fakes in unit tests).
export interface VectorJobDeps {
	runCell: typeof runVectorCell;
	prepare: typeof prepareUnlessInterrupted;
}

// The vector set the options ask for: a bad --random, --seed or --file is a UsageError. The commands read it first,
// before set-up and builds.
export function readVectorSet(args: ParsedArgs): Promise<VectorSet> {
	return loadVectorSet({
		file: typeof args.values['file'] === 'string' ? args.values['file'] : undefined,
		random: intOption('random', args.values['random'], 1000, 0),
		seed: typeof args.values['seed'] === 'string' ? args.values['seed'] : undefined,
		includeWycheproof: args.values['no-wycheproof'] !== true,
		includeRfc: true,
		millionIterations: args.values['million'] === true,
	});
}

// Run the vector cells for the filtered design × profile × CPU; a malformed file fails before any boot.
// `set` is readVectorSet's, which the commands read before set-up.
export async function runVectorJob(args: ParsedArgs, ctx: BuildContext, runDir: string, filter: SubjectFilter, set: VectorSet, deps: VectorJobDeps = {runCell: runVectorCell, prepare: prepareUnlessInterrupted}): Promise<VectorJobResult> {
	// Bad input first, before the kernel builds and the images.
	const jobs = vmJobsOption(args.values['jobs'], ctx.jobs);
	const seen = new Map<string, VectorCellId>();
	for (const c of await expandMatrix({...filter, scenarios: ['arch-first'], userlands: [defaultUserland]})) seen.set(configKey(c), {design: c.design, profile: c.profile, cpu: c.cpu, ...kernelField(c.kernel)});
	const cells = [...seen.values()];
	if (cells.length === 0) throw new UsageError('no vector cells match the filters');
	args.progress.info(`vectors: ${set.vectors.length} vectors + ${set.iterated.length} iterated tests per path${set.seed !== undefined ? `, random seed ${set.seed} (reproduce with --seed ${set.seed})` : ''}`);
	// Build kernels and images one at a time before workers run in parallel (no two publish one key).
	if (!(await deps.prepare(ctx, await expandMatrix({...filter, scenarios: ['arch-first'], userlands: [defaultUserland]})))) return {reports: [], notRun: cells};
	const pool = await runPool(cells, {
		jobs,
		signal: args.signal,
		run: (id, signal) => deps.runCell({...ctx, signal}, id, set.vectors, set.iterated, set.seed, runDir),
		onDone: (id, report) => {
			const summary = report.paths.map(p => `${p.path}(${p.servedBy.join('+')}) ${p.passed}/${p.total} ${p.opsPerSecond} ops/s`).join(', ') + (report.kunit ? `; ${kunitLine(report.kunit)}` : '');
			args.progress.info(`vectors ${configKey(id)}: ${report.error ?? (report.unavailable ? `library unavailable (${report.unavailable})` : summary)}`);
		},
	});
	return {reports: pool.done.map(d => d.result), notRun: pool.notRun};
}

// "vectors not run (interrupted): a/b/c, …", or undefined when every cell ran.
export function vectorsNotRunLine(notRun: readonly ConfigId[]): string | undefined {
	return notRun.length ? `vectors not run (interrupted): ${notRun.map(configKey).join(', ')}` : undefined;
}

// Whether any vector or iterated test failed, or a cell could not run.
export function vectorsFailed(reports: readonly VectorCellReport[]): boolean {
	// The kernel's own KUnit suite counts like a vector: a failed or crashed test is a wrong answer of the library, and
	// a suite that did not run (or ran nothing) is no answer at all.
	return reports.some(r => r.error !== undefined || r.paths.some(p => p.failed.length > 0) || r.iterated.some(i => !i.passed) || (r.kunit !== undefined && !kunitPassed(r.kunit)));
}
