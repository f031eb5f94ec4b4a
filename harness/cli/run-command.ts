// kplug run: the scenario matrix.
import {matrixHelp, matrixOptions, newRunDir, runMatrixJob, summarize} from './matrix-job.ts';
import type {Command} from './command.ts';
import {guestContext} from './guest-context.ts';
import {finishRun} from './report-job.ts';

export const runCommand: Command = {
	name: 'run',
	summary: 'run the scenario matrix (each cell in its own VM, booted or restored from a snapshot) and write the blacklist-scenario report',
	usage: 'kplug run [--kernel K] [--userland U] [--design D] [--profile P] [--cpu C] [--scenario S] [--jobs N] [--shard i/n] [--repeat N] [--update-baseline] [--snapshot | --no-snapshot] [--json]',
	details: matrixHelp,
	options: matrixOptions,
	async run(args) {
		const ctx = await guestContext(args);
		const job = await runMatrixJob(args, ctx, await newRunDir(args.outDir, 'run'));
		return finishRun(args, {runDir: job.runDir, report: job.report, json: job.report, summary: bundle => summarize({...job, bundle}), failed: job.failed});
	},
};
