// Reports for runs without scenario cells (kplug vectors, kplug memory): same files, same schema.
import {availableParallelism} from 'node:os';
import type {BuildContext} from '../build/context.ts';
import {defaultProfile} from '../build/profiles.ts';
import {assembleReport} from '../report/assemble.ts';
import type {Report} from '../report/schema.ts';
import {bundleReport, writeReport} from '../report/write.ts';
import {profileBuild} from '../subject/guest.ts';

// Kernel facts for a report header (default: the default kernel's default profile).
export async function reportKernel(ctx: BuildContext, profile = defaultProfile, kernel?: string): Promise<Report['kernel']> {
	const build = await profileBuild(ctx, profile, kernel);
	return {sourcePackage: build.kernel.sourcePackage, sourceVersion: build.kernel.sourceVersion, release: build.kernel.release};
}

// Write report.json/md/html + junit.xml + bundle for a vectors or memory run.
export async function writeMeasurementReport(ctx: BuildContext, runDir: string, parts: Pick<Report, 'vectors' | 'vectorsNotRun'> & {memory?: Report['memory']}, wallSeconds: number, kernel?: string): Promise<{report: Report; bundle: string}> {
	const report = await assembleReport({cells: [], notRun: [], deviations: [], flakes: [], ...parts, kernel: await reportKernel(ctx, defaultProfile, kernel), wallSeconds, jobs: availableParallelism()});
	await writeReport(runDir, report);
	return {report, bundle: await bundleReport(runDir)};
}
