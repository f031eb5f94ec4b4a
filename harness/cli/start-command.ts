// kplug start: the main job — setup, build, the full default matrix, vectors, memory, one report.
import {buildKernels} from '../build/build.ts';
import {buildContext} from '../build/context.ts';
import {bundleReport, writeReport} from '../report/write.ts';
import {runSetup} from '../setup/setup.ts';
import {configKey} from '../scenarios/config-key.ts';
import {output, type Command} from './command.ts';
import {matrixOptions, newRunDir, runMatrixJob, snapshotsOption, summarize} from './matrix-job.ts';
import {memoryNotRunLine, memoryOptions, runMemoryJob, unmeasuredLine} from './memory-job.ts';
import {runVectorJob, vectorOptions, vectorsFailed, vectorsNotRunLine} from './vectors-job.ts';

export const startCommand: Command = {
	name: 'start',
	summary: 'the main job: setup, build, full scenario matrix, vector cells, memory, report (npm start)',
	usage: 'kplug start [matrix filters as for run] [--random N] [--seed S] [--repeat N (memory boots)] [--skip-vectors] [--skip-memory] [--json]',
	details: 'Writes report.json, report.md, report.html, junit.xml and a .tar.gz bundle under <out>/runs/, linked from <out>/latest.\nExit: 0 no deviation, all vectors passed and every memory configuration measured, 1 otherwise, 2 bad input or missing set-up.',
	options: {...matrixOptions, ...vectorOptions, ...memoryOptions, 'skip-vectors': {type: 'boolean'}, 'skip-memory': {type: 'boolean'}},
	async run(args) {
		// Bad input before set-up and builds.
		snapshotsOption(args);
		await runSetup(args.cacheDir, args.progress);
		await buildKernels(buildContext(args.cacheDir, args.progress, args.signal), args.subject.kernels, args.subject.profiles);
		const runDir = await newRunDir(args.outDir, 'start');
		// The matrix's --repeat is the flake check; for start, --repeat sets the memory boots instead.
		const job = await runMatrixJob({...args, values: {...args.values, repeat: undefined}}, runDir);
		const filter = args.subject;
		if (args.values['skip-vectors'] !== true) {
			const vectors = await runVectorJob(args, runDir, filter);
			job.report.vectors = vectors.reports;
			if (vectors.notRun.length) job.report.vectorsNotRun = vectors.notRun;
		}
		if (args.values['skip-memory'] !== true) job.report.memory = await runMemoryJob(args, runDir, filter);
		await writeReport(runDir, job.report);
		job.bundle = await bundleReport(runDir);
		const vectorLine = job.report.vectors.length ? `\nvectors: ${job.report.vectors.map(v => `${configKey(v)} ${v.unavailable ? 'library unavailable' : ''}${v.paths.map(p => `${p.path} ${p.passed}/${p.total}`).join(' ')}`).join('; ')}` : '';
		const memoryLine = job.report.memory ? `\nmemory:\n${job.report.memory.comparisons.filter(c => c.field === 'MemAvailable').map(c => `  ${configKey(c)}: ${c.statement}`).join('\n')}` : '';
		const notRun = [job.report.vectorsNotRun && vectorsNotRunLine(job.report.vectorsNotRun), job.report.memory && memoryNotRunLine(job.report.memory)].filter(Boolean).map(line => `\n${line}`).join('');
		output(args, job.report, summarize(job) + vectorLine + memoryLine + notRun);
		const unmeasured = job.report.memory && unmeasuredLine(job.report.memory);
		if (unmeasured) process.stderr.write(`kplug: ${unmeasured}\n`);
		return job.failed || vectorsFailed(job.report.vectors) || unmeasured ? 1 : 0;
	},
};
