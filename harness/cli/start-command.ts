// kplug start: the main job — setup, build, the full default matrix, vectors, memory, one report.
import {buildKernels} from '../build/build.ts';
import {startKernels} from '../build/kernels.ts';
import {configKey} from '../scenarios/config-key.ts';
import {optionsGiven, vmJobsOption, type Command} from './command.ts';
import {guestContext} from './guest-context.ts';
import {matrixOptions, newRunDir, readMatrixBaseline, runMatrixJob, selectedCells, snapshotsOption, summarize} from './matrix-job.ts';
import {memoryCounts, memoryNotRunLine, memoryOptions, runMemoryJob, unmeasuredLine} from './memory-job.ts';
import {finishRun, saveRun} from './report-job.ts';
import {readVectorSet, runVectorJob, vectorOptions, vectorsFailed, vectorsNotRunLine} from './vectors-job.ts';
import {UsageError} from '../util/errors.ts';

export const startCommand: Command = {
	name: 'start',
	summary: 'the main job: setup, build, full scenario matrix, vector cells, memory, report (npm start)',
	usage: 'kplug start [matrix filters as for run] [--random N] [--seed S] [--repeat N (memory boots)] [--skip-vectors] [--skip-memory] [--json]',
	details: 'Writes report.json, report.md, report.html, junit.xml and a .tar.gz bundle under <out>/runs/, linked from <out>/latest.\nExit: 0 no deviation, all vectors passed and every memory configuration measured, 1 otherwise, 2 bad input or missing set-up.',
	options: {...matrixOptions, ...vectorOptions, ...memoryOptions, 'skip-vectors': {type: 'boolean'}, 'skip-memory': {type: 'boolean'}},
	async run(argsIn) {
		// Without --kernel: the start kernels (kernels.ts), for the matrix, the vectors and memory alike.
		const args = argsIn.subject.kernels ? argsIn : {...argsIn, subject: {...argsIn.subject, kernels: [...startKernels]}};
		// Bad input before set-up and builds.
		snapshotsOption(args);
		await selectedCells(args);
		vmJobsOption(args.values['jobs'], 1);
		await readMatrixBaseline(args);
		const skipVectors = args.values['skip-vectors'] === true;
		const skipMemory = args.values['skip-memory'] === true;
		for (const [skip, spec, flag] of [[skipVectors, vectorOptions, '--skip-vectors'], [skipMemory, memoryOptions, '--skip-memory']] as const) {
			const ignored = skip ? optionsGiven(args, spec) : [];
			if (ignored.length) throw new UsageError(`${ignored.join(', ')} ${ignored.length > 1 ? 'have' : 'has'} no effect with ${flag}: leave out one or the other`);
		}
		const vectorSet = skipVectors ? undefined : await readVectorSet(args);
		if (!skipMemory) memoryCounts(args);
		// Setup once, for the builds and every guest of the three jobs.
		const ctx = await guestContext(args);
		await buildKernels(ctx, args.subject.kernels, args.subject.profiles);
		const runDir = await newRunDir(args.outDir, 'start');
		// The matrix's --repeat is the flake check; for start, --repeat sets the memory boots instead.
		const job = await runMatrixJob({...args, values: {...args.values, repeat: undefined}}, ctx, runDir);
		// The matrix's report and bundle are kept while vectors and memory run (finishRun reports a failed write).
		await saveRun(runDir, job.report);
		const filter = args.subject;
		if (vectorSet) {
			const vectors = await runVectorJob(args, ctx, runDir, filter, vectorSet);
			job.report.vectors = vectors.reports;
			if (vectors.notRun.length) job.report.vectorsNotRun = vectors.notRun;
		}
		if (!skipMemory) job.report.memory = await runMemoryJob(args, ctx, runDir, filter);
		const {report} = job;
		const vectorLine = report.vectors.length ? `\nvectors: ${report.vectors.map(v => `${configKey(v)} ${v.unavailable ? 'library unavailable' : ''}${v.paths.map(p => `${p.path} ${p.passed}/${p.total}`).join(' ')}`).join('; ')}` : '';
		const memoryLine = report.memory ? `\nmemory:\n${report.memory.comparisons.filter(c => c.field === 'MemAvailable').map(c => `  ${configKey(c)}: ${c.statement}`).join('\n')}` : '';
		const notRun = [report.vectorsNotRun && vectorsNotRunLine(report.vectorsNotRun), report.memory && memoryNotRunLine(report.memory)].filter(Boolean).map(line => `\n${line}`).join('');
		return finishRun(args, {
			runDir, report, json: report,
			summary: bundle => summarize({...job, bundle}) + vectorLine + memoryLine + notRun,
			failed: job.failed || vectorsFailed(report.vectors),
			problems: [report.memory && unmeasuredLine(report.memory)],
		});
	},
};
