// kplug run: the scenario matrix.
import {matrixHelp, matrixOptions, newRunDir, runMatrixJob, summarize} from './matrix-job.ts';
import {output, type Command} from './command.ts';

export const runCommand: Command = {
	name: 'run',
	summary: 'run the scenario matrix (each cell in its own VM, booted or restored from a snapshot) and write the blacklist-scenario report',
	usage: 'kplug run [--design D] [--profile P] [--cpu C] [--scenario S] [--jobs N] [--shard i/n] [--repeat N] [--update-baseline] [--snapshot | --no-snapshot] [--json]',
	details: matrixHelp,
	options: matrixOptions,
	async run(args) {
		const job = await runMatrixJob(args, await newRunDir(args.outDir, 'run'));
		output(args, job.report, summarize(job));
		return job.failed ? 1 : 0;
	},
};
