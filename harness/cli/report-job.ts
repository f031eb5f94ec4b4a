// Reports for runs without scenario cells (kplug vectors, kplug memory): same files, same schema.
import {availableParallelism} from 'node:os';
import type {BuildContext} from '../build/context.ts';
import {defaultProfile} from '../build/profiles.ts';
import {sourcePackage, sourcePackageVersion} from '../build/source.ts';
import {assembleReport} from '../report/assemble.ts';
import type {Report} from '../report/schema.ts';
import {bundleReport, writeReport} from '../report/write.ts';
import {profileBuild} from '../subject/guest.ts';

// Kernel facts for a report header.
export async function reportKernel(ctx: BuildContext, profile = defaultProfile): Promise<Report['kernel']> {
	const build = await profileBuild(ctx, profile);
	return {sourcePackage, sourceVersion: await sourcePackageVersion(), release: build.kernel.release};
}

// Write report.json/md/html + junit.xml + bundle for a vectors or memory run.
export async function writeMeasurementReport(ctx: BuildContext, runDir: string, parts: Pick<Report, 'vectors' | 'vectorsNotRun'> & {memory?: Report['memory']}, wallSeconds: number): Promise<{report: Report; bundle: string}> {
	const report = await assembleReport({cells: [], notRun: [], deviations: [], flakes: [], ...parts, kernel: await reportKernel(ctx), wallSeconds, jobs: availableParallelism()});
	await writeReport(runDir, report);
	return {report, bundle: await bundleReport(runDir)};
}
