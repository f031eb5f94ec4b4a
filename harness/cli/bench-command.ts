// kplug bench: the benchmark behind `npm run bench`.
import {runBench} from '../bench/bench.ts';
import {expandMatrix} from '../scenarios/matrix.ts';
import {runSetup} from '../setup/setup.ts';
import {intOption, output, type Command} from './command.ts';
import {matrixFilter} from './matrix-job.ts';

export const benchCommand: Command = {
	name: 'bench',
	summary: 'measure builds, boot vs bare qemu, vectors and the warm matrix; write bench/results.json',
	usage: 'kplug bench [--repeat N (boots, default 5)] [--matrix-repeat N (flake check)] [--design D] [--profile P] [--cpu C] [--scenario S] [--cold] [--json]',
	details: `Reports medians and spreads; never fails on a number. The matrix part (all cells, or the cells the filters select)
also gives each phase of a cell (image, VM start, kernel boot, agent, steps, probes, teardown, report write) as a median
over the cells, largest first, and ccache's hit rate over the builds.
--cold also builds the default profile's kernel cold next to a plain make of the same .config (each with an empty scratch
ccache; about 2 × 6 min on 2 cores), then thumb2-noplts on kplug's scratch ccache (the hit rate between profiles).`,
	options: {repeat: {type: 'string'}, 'matrix-repeat': {type: 'string'}, cold: {type: 'boolean'}, design: {type: 'string', multiple: true}, profile: {type: 'string', multiple: true}, cpu: {type: 'string', multiple: true}, scenario: {type: 'string', multiple: true}},
	writes: ['cache'],
	async run(args) {
		const matrix = matrixFilter(args);
		// Bad filters are one kplug: line now, not after setup and minutes of builds and boots.
		await expandMatrix(matrix);
		const {guestDebs} = await runSetup(args.cacheDir, args.progress);
		const {figures, file} = await runBench({
			cacheDir: args.cacheDir,
			repeat: intOption('repeat', args.values['repeat'], 5),
			matrixRepeat: intOption('matrix-repeat', args.values['matrix-repeat'], 1),
			cold: args.values['cold'] === true,
			matrix,
			progress: args.progress,
			guestDebs,
		});
		const width = Math.max(...figures.map(f => f.name.length));
		const table = figures.map(f => `${f.name.padEnd(width)}  ${String(f.value).padStart(8)} ${f.unit.padEnd(6)}${f.target ? ` target ${f.target}` : ''}${f.detail ? `  (${f.detail})` : ''}`);
		output(args, {figures, file}, `${table.join('\n')}\nwritten: ${file}`);
		return 0;
	},
};
