// How every job's run ends (run, start, vectors, memory, merge): the same report files, bundle, output and exit rule.
import {availableParallelism} from 'node:os';
import type {BuildContext} from '../build/context.ts';
import {defaultProfile} from '../build/profiles.ts';
import {assembleReport} from '../report/assemble.ts';
import type {Report} from '../report/schema.ts';
import {bundleReport, writeReport} from '../report/write.ts';
import {profileBuild} from '../subject/guest.ts';
import {output, type ParsedArgs} from './command.ts';

// Kernel facts for a report header (default: the default kernel's default profile).
export async function reportKernel(ctx: BuildContext, profile = defaultProfile, kernel?: string): Promise<Report['kernel']> {
	const build = await profileBuild(ctx, profile, kernel);
	return {sourcePackage: build.kernel.sourcePackage, sourceVersion: build.kernel.sourceVersion, release: build.kernel.release};
}

// The report of a run without scenario cells (kplug vectors, kplug memory): same files, same schema.
export async function measurementReport(ctx: BuildContext, parts: Pick<Report, 'vectors' | 'vectorsNotRun'> & {memory?: Report['memory']}, wallSeconds: number, kernel?: string): Promise<Report> {
	return assembleReport({cells: [], notRun: [], deviations: [], flakes: [], ...parts, kernel: await reportKernel(ctx, defaultProfile, kernel), wallSeconds, jobs: availableParallelism()});
}

export interface SavedRun {
	// <runDir>.tar.gz, or undefined when it could not be written.
	bundle: string | undefined;
	// What could not be written (one line), or undefined when everything was.
	error: string | undefined;
}

// Write report.json/md/html/ktap and junit.xml (writeReport) and bundle the run folder. Each part is tried on its own:
// one that fails is named in `error` and the others are still written, so no finished result is lost.
export async function saveRun(runDir: string, report: Report): Promise<SavedRun> {
	const errors: string[] = [];
	const firstLine = (error: unknown): string => (error as Error).message.split('\n')[0] ?? '';
	await writeReport(runDir, report).catch(error => errors.push(firstLine(error)));
	const bundle = await bundleReport(runDir).catch(error => {
		errors.push(`could not bundle ${runDir} (${firstLine(error)})`);
		return undefined;
	});
	return {bundle, error: errors.length ? errors.join('; ') : undefined};
}

export interface FinishedRun {
	runDir: string;
	report: Report;
	// What --json prints: the report, or the job's own part of it (the vector reports, the memory report).
	json: unknown;
	// The human summary, given the bundle (undefined when it could not be written).
	summary: (bundle: string | undefined) => string;
	// The job's rule: deviations, flakes, a failed vector … (exit 1).
	failed: boolean;
	// What the summary does not say and fails the run too (could not be measured, did not run): one kplug: line each.
	problems?: readonly (string | undefined)[];
}

// The last step of every job: write the report files and the bundle, print the summary (or the JSON), then one
// kplug: line per problem and one for files that could not be written. Exit 1 when the job's rule failed the run, a
// problem was printed or a file is missing; else 0.
export async function finishRun(args: ParsedArgs, run: FinishedRun): Promise<number> {
	const saved = await saveRun(run.runDir, run.report);
	output(args, run.json, run.summary(saved.bundle));
	const lines = [...(run.problems ?? []), saved.error].filter((line): line is string => Boolean(line));
	for (const line of lines) process.stderr.write(`kplug: ${line}\n`);
	return run.failed || lines.length > 0 ? 1 : 0;
}
