// kplug bench: the benchmark behind `npm run bench`.
import {runBench} from '../bench/bench.ts';
import {intOption, output, type Command} from './command.ts';

export const benchCommand: Command = {
	name: 'bench',
	summary: 'measure builds, boot vs bare qemu, vectors and the warm matrix; write bench/results.json',
	usage: 'kplug bench [--repeat N (boots, default 5)] [--matrix-repeat N (flake check)] [--cold] [--json]',
	details: 'Reports medians and spreads; never fails on a number. --cold also times a cold build of every profile in a temporary cache (no ccache).',
	options: {repeat: {type: 'string'}, 'matrix-repeat': {type: 'string'}, cold: {type: 'boolean'}},
	writes: ['cache'],
	async run(args) {
		const {figures, file} = await runBench({
			cacheDir: args.cacheDir,
			repeat: intOption('repeat', args.values['repeat'], 5),
			matrixRepeat: intOption('matrix-repeat', args.values['matrix-repeat'], 1),
			cold: args.values['cold'] === true,
			progress: args.progress,
		});
		const width = Math.max(...figures.map(f => f.name.length));
		const table = figures.map(f => `${f.name.padEnd(width)}  ${String(f.value).padStart(8)} ${f.unit.padEnd(6)}${f.target ? ` target ${f.target}` : ''}${f.detail ? `  (${f.detail})` : ''}`);
		output(args, {figures, file}, `${table.join('\n')}\nwritten: ${file}`);
		return 0;
	},
};
