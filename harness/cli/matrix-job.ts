// The matrix job shared by `kplug run` and `kplug start`: run cells, compare with the baseline, write reports.
import {mkdir, readdir, readlink, rm, symlink} from 'node:fs/promises';
import {join} from 'node:path';
import type {BuildContext} from '../build/context.ts';
import {assembleReport} from '../report/assemble.ts';
import {repeatsLine} from '../report/cell-sections.ts';
import type {Report} from '../report/schema.ts';
import {writeReport} from '../report/write.ts';
import {compareWithBaseline, defaultBaselinePath, explainFlakes, knownOutcomes, readBaseline, updateBaseline, versionChanges, versionsOf} from '../scenarios/baseline.ts';
import {evaluatePairClaims} from '../scenarios/claims.ts';
import {hostFacts} from '../util/host-facts.ts';
import {cellKey} from '../scenarios/cell.ts';
import {expandMatrix, parseShard, shardCells, type MatrixFilter} from '../scenarios/matrix.ts';
import {runMatrix} from '../scenarios/runner.ts';
import type {CellId, CellResult} from '../scenarios/types.ts';
import {profileBuild} from '../subject/guest.ts';
import {coalesced} from '../util/coalesce.ts';
import {UsageError} from '../util/errors.ts';
import {smallSubset} from '../vectors/select.ts';
import {intOption, listOption, type OptionSpec, type ParsedArgs, vmJobsOption} from './command.ts';
import {subjectOptions, userlandOption} from './subject-options.ts';

export const matrixOptions: OptionSpec = {
	...subjectOptions,
	...userlandOption,
	scenario: {type: 'string', multiple: true},
	jobs: {type: 'string'},
	shard: {type: 'string'},
	repeat: {type: 'string'},
	'update-baseline': {type: 'boolean'},
	baseline: {type: 'string'},
	snapshot: {type: 'boolean'},
	'no-snapshot': {type: 'boolean'},
};

// Whether cells that share a boot configuration start from its saved state when neither option is given: on, since
// test/integration/snapshots.test.ts (and the full matrix against the baseline) found restored outcomes identical.
export const snapshotsByDefault = true;

// --snapshot / --no-snapshot (not both).
export function snapshotsOption(args: ParsedArgs): boolean {
	const on = args.values['snapshot'] === true;
	const off = args.values['no-snapshot'] === true;
	if (on && off) throw new UsageError('--snapshot and --no-snapshot contradict each other: give one');
	return on || (!off && snapshotsByDefault);
}

export const matrixHelp = `Filters combine (each takes a name, a comma list, or repeats). --jobs defaults to the number of cores
(at most what memory holds: about 640 MiB a guest).
--kernel K[,K…] runs the cells on those kernels (default 6.1, the baseline's; also 6.12, 7.3); a cell on another
kernel is named design/profile@kernel/cpu/scenario, and without --profile it runs the profiles that kernel builds.
--userland U[,U…] runs the cells on those guest userlands (bookworm: kmod 30, trixie: kmod 34); without it each
kernel runs its default ones (6.12: both); a cell on another userland is named design/profile@kernel+userland/cpu/scenario.
--shard i/n runs a deterministic 1/n of the cells (merge shard outputs with kplug merge).
--repeat N runs the whole list of cells N times, round after round, and reports cells whose outcome differs (flakes),
with how many repeats ended each way; a cell whose every outcome is its baseline's or a reviewed alternative the
baseline records is listed, not failed. Each round saves VM states from boots of its own, so repeats are independent
boots; an interrupted run keeps every finished repeat and says how many rounds were whole.
Cells that share kernel, profile, design, CPU, image and command line start from one VM state saved once its agent
was ready (a cell whose boot configuration is unique boots cold); --no-snapshot boots every cell cold (--snapshot:
the default, said explicitly).
Outcomes are compared with test/baselines/matrix.json (--baseline FILE); a changed outcome is a
deviation and exits 1. A profile whose versions (guest kernel, kmod, QEMU, cross-gcc) differ from the ones the
baseline recorded gets one line saying so, and its cells are compared all the same.
--update-baseline records the observed outcomes and versions instead (review the diff).
Exit: 0 no deviation, 1 deviations or unexplained flakes, 2 bad input or no matching cells.`;

export interface MatrixJobResult {
	report: Report;
	runDir: string;
	// The matrix's rule: a deviation (unless the baseline was updated) or an unexplained flake fails the run.
	failed: boolean;
}

// Run folders this process made, with where <out>/latest pointed before (discardUnusedRunDirs).
const madeRunDirs: {runDir: string; latest: string; before: string | undefined}[] = [];

// Make a fresh run folder under <out>/runs and point <out>/latest at it.
export async function newRunDir(outDir: string, prefix: string): Promise<string> {
	const runDir = join(outDir, 'runs', `${prefix}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
	await mkdir(runDir, {recursive: true});
	const latest = join(outDir, 'latest');
	madeRunDirs.push({runDir, latest, before: await readlink(latest).catch(() => undefined)});
	await rm(latest, {force: true});
	await symlink(runDir, latest).catch(() => undefined);
	return runDir;
}

// A command that failed before writing anything (bad input found after its run folder was made) leaves no empty
// run folder behind, and <out>/latest points where it did before. A folder holding any file is kept.
export async function discardUnusedRunDirs(): Promise<void> {
	const holdsFiles = async (dir: string): Promise<boolean> => {
		const entries = await readdir(dir, {withFileTypes: true}).catch(() => []);
		for (const e of entries) if (!e.isDirectory() || (await holdsFiles(join(dir, e.name)))) return true;
		return false;
	};
	for (const made of madeRunDirs.splice(0).reverse()) {
		if (await holdsFiles(made.runDir)) continue;
		await rm(made.runDir, {recursive: true, force: true});
		if ((await readlink(made.latest).catch(() => undefined)) !== made.runDir) continue;
		await rm(made.latest, {force: true});
		if (made.before !== undefined) await symlink(made.before, made.latest).catch(() => undefined);
	}
}

const matrixBaselinePath = (args: ParsedArgs): string => (typeof args.values['baseline'] === 'string' ? args.values['baseline'] : defaultBaselinePath);

// The run's baseline: a missing or unreadable one is bad input (a missing one is fine when recording one). Commands
// that build first (start) call this before their builds too.
export function readMatrixBaseline(args: ParsedArgs): ReturnType<typeof readBaseline> {
	return readBaseline(matrixBaselinePath(args), {allowMissing: args.values['update-baseline'] === true});
}

// Matrix filters: the subject (parsed once with the arguments) and the scenarios.
export function matrixFilter(args: ParsedArgs): MatrixFilter {
	return {...args.subject, scenarios: listOption(args.values['scenario'], 'scenario')};
}

// The cells the filters and --shard select (and the whole matrix the shard was cut from); none is a UsageError.
// Commands that build first (start) call this before their builds too.
export async function selectedCells(args: ParsedArgs): Promise<{shard: ReturnType<typeof parseShard> | undefined; matrixCells: CellId[]; cells: CellId[]}> {
	const shard = typeof args.values['shard'] === 'string' ? parseShard(args.values['shard']) : undefined;
	const matrixCells = await expandMatrix(matrixFilter(args));
	const cells = shardCells(matrixCells, shard);
	if (cells.length === 0) throw new UsageError('no cells match the filters' + (shard ? ` in shard ${shard.index}/${shard.count}` : ''));
	return {shard, matrixCells, cells};
}

// Run the (filtered, sharded) matrix into runDir, keeping report.json/md/html and junit.xml up to date as cells
// finish; the caller writes the final report and the bundle (report-job.ts finishRun).
export async function runMatrixJob(args: ParsedArgs, ctx: BuildContext, runDir: string): Promise<MatrixJobResult> {
	const {shard, matrixCells, cells} = await selectedCells(args);
	const jobs = vmJobsOption(args.values['jobs'], ctx.jobs);
	const repeat = intOption('repeat', args.values['repeat'], 1);
	const snapshots = snapshotsOption(args);
	const baselinePath = matrixBaselinePath(args);
	// Before any build or VM: a missing or unreadable baseline is bad input (missing is fine when recording one).
	let baseline = await readMatrixBaseline(args);
	const first = await profileBuild(ctx, cells[0]!.profile, cells[0]!.kernel);
	const kernel = {sourcePackage: first.kernel.sourcePackage, sourceVersion: first.kernel.sourceVersion, release: first.kernel.release};
	const started = performance.now();
	const finished: CellResult[] = [];
	const host = await hostFacts();
	const assemble = (notRunKeys: Set<string>, flakes: Report['flakes'] = [], repeats?: Report['repeats'], snapshotEvents?: Report['snapshotEvents']): Promise<Report> => {
		return assembleReport({
			...(snapshotEvents ? {snapshotEvents} : {}),
			cells: finished, notRun: cells.filter(c => notRunKeys.has(cellKey(c))), deviations: compareWithBaseline(baseline, finished, evaluatePairClaims(finished)),
			flakes: explainFlakes(baseline, flakes, finished), ...(repeats ? {repeats} : {}), knownOutcomes: knownOutcomes(baseline, finished), versionChanges: versionChanges(baseline, versionsOf(finished, host)),
			kernel, wallSeconds: (performance.now() - started) / 1000, jobs, shard: shard && {...shard, matrixCells},
		});
	};
	// Partial reports while the run goes on, in the background: one at a time, the next no sooner than a second (or
	// five renders) after the last, so rendering the growing report after each cell neither holds a worker nor takes
	// the cores the guests need. Each cell's result.json is written before this; the run's last write holds every cell.
	// With --repeat, after round 1 the partial report carries the flakes and the tally so far (rounds not yet whole).
	let repeatsSoFar: (() => {flakes: Report['flakes']; repeats: NonNullable<Report['repeats']>}) | undefined;
	const partial = coalesced(async () => {
		const done = new Set(finished.map(r => r.cellKey));
		const soFar = repeatsSoFar?.();
		await writeReport(runDir, await assemble(new Set(cells.map(cellKey).filter(k => !done.has(k))), soFar?.flakes, soFar?.repeats));
	}, lastMs => Math.max(1000, 5 * lastMs));
	args.progress.info(`running ${cells.length} cells with ${jobs} jobs${snapshots ? ', shared boots restored from snapshots' : ''} into ${runDir}`);
	const matrix = await runMatrix({
		ctx, cells, jobs, repeat, runDir, vectors: await smallSubset(), snapshots,
		onCell: result => {
			finished.push(result);
			partial.poke();
		},
		onRun: soFar => {
			repeatsSoFar = soFar;
			partial.poke();
		},
	}).finally(() => partial.stop());
	args.progress.end();
	finished.splice(0, finished.length, ...matrix.results);
	// An interrupted run is partial: it never replaces the baseline.
	if (args.values['update-baseline'] === true && !args.signal?.aborted) {
		const n = await updateBaseline(finished, baselinePath, evaluatePairClaims(finished), versionsOf(finished, host));
		args.progress.info(`baseline updated with ${n} cells: ${baselinePath} (review with git diff)`);
		// The report is judged against what was just recorded: no stale version lines or deviations.
		baseline = await readBaseline(baselinePath);
	}
	const report = await assemble(new Set(matrix.notRun.map(cellKey)), matrix.flakes, matrix.repeats, matrix.snapshotEvents);
	const updating = args.values['update-baseline'] === true;
	return {report, runDir, failed: (!updating && report.deviations.length > 0) || unexplainedFlakes(report).length > 0};
}

// Flakes no recorded baseline outcome or reviewed alternative explains: these fail a run.
export function unexplainedFlakes(report: Pick<Report, 'flakes'>): Report['flakes'] {
	return report.flakes.filter(f => !f.known);
}

// " (19/1 of 20 repeats)": how many repeats ended each way.
const repeatsNote = (f: Report['flakes'][number]): string => (f.counts ? ` (${f.counts.join('/')} of ${f.counts.reduce((a, b) => a + b, 0)} repeats)` : '');

// A short human summary of a run, with its bundle (undefined when it could not be written).
export function summarize(job: MatrixJobResult & {bundle: string | undefined}): string {
	const {report} = job;
	const lines = [`${report.cells.length} cells in ${report.timing.wallSeconds}s (median ${report.timing.cellMedianSeconds ?? '-'}s per cell, ${report.timing.jobs} jobs)`];
	if (report.repeats) lines.push(repeatsLine(report.repeats));
	const restored = report.cells.filter(c => c.timing?.start === 'restored').length;
	if (restored) lines.push(`${restored} of them started from a snapshot of their boot configuration`);
	const events = report.snapshotEvents ?? [];
	if (events.length) {
		const count = (what: string): number => events.filter(e => e.what === what).length;
		lines.push(`saved states: ${count('refused')} refused by their check restore (another saved), ${count('discarded')} discarded after a restored guest failed, ${count('not made')} not made (cold boots)${events.map(e => `\n  ${e.what}: ${e.key}: ${e.message}`).join('')}`);
	}
	const faults = report.cells.filter(c => c.snapshotFault);
	if (faults.length) lines.push(`${faults.length} cells started from a saved state whose guest failed before their first step; each ran again from a cold boot (the state discarded; the restored attempt's logs kept beside the cell's): ${faults.map(c => c.cellKey).join(', ')}`);
	const errors = report.cells.filter(c => c.status === 'error');
	if (errors.length) lines.push(`${errors.length} cells could not complete: ${errors.map(c => `${c.cellKey} (${c.error?.class})`).join(', ')}`);
	for (const claim of report.claims) {
		const verdicts = [...report.cells.flatMap(c => c.claims), ...(report.pairClaims ?? [])].filter(x => x.claim === claim.id).map(x => x.verdict);
		const holds = verdicts.filter(v => v === 'holds').length;
		const fails = verdicts.filter(v => v === 'fails').length;
		const notEvaluated = verdicts.filter(v => v === 'not evaluated').length;
		// Quiet where nothing happened: a claim no cell could judge gets no line.
		if (holds + fails + notEvaluated === 0) continue;
		const unit = claim.scope === 'pair' ? 'pairs of cells' : 'cells';
		lines.push(`${claim.id}: holds in ${holds}, fails in ${fails} ${unit}${notEvaluated ? `, not evaluated in ${notEvaluated}` : ''} — ${claim.text}`);
	}
	for (const v of report.versionChanges ?? []) lines.push(`${v.profile}: the baseline was recorded with other versions (${v.changed.join(', ')}); its cells were compared all the same — re-record with --update-baseline once reviewed\n${v.diff.map(l => `    ${l}`).join('\n')}`);
	lines.push(report.deviations.length ? `${report.deviations.length} deviations from baseline:\n${report.deviations.map(d => `  ${d.cellKey}\n${d.diff.map(l => `    ${l}`).join('\n')}`).join('\n')}` : 'no deviations from baseline');
	if (report.knownOutcomes?.length) lines.push(`${report.knownOutcomes.length} cells ended with a recorded alternative outcome (not a deviation):\n${report.knownOutcomes.map(k => `  ${k.cellKey}: ${k.why}`).join('\n')}`);
	const flakes = unexplainedFlakes(report);
	if (flakes.length) lines.push(`${flakes.length} flaky cells: ${flakes.map(f => `${f.cellKey}${repeatsNote(f)}`).join(', ')}`);
	const known = report.flakes.filter(f => f.known);
	if (known.length) lines.push(`${known.length} cells ended differently across repeats, each way recorded in the baseline (not a flake):\n${known.map(f => `  ${f.cellKey}${repeatsNote(f)}: ${f.known}`).join('\n')}`);
	lines.push(`report: ${join(job.runDir, 'report.md')} (html, json, junit.xml beside it; bundle ${job.bundle ?? 'not written'})`);
	return lines.join('\n');
}
