// kplug setup: host tools and guest packages.
import {runSetup} from '../setup/setup.ts';
import {output, type Command} from './command.ts';

export const setupCommand: Command = {
	name: 'setup',
	summary: 'check (and as root install) host tools, the kernel source package and armhf guest packages',
	usage: 'kplug setup [--cache DIR] [--json]',
	details: 'Exit 0 when everything is there; 2 with the one apt-get line to run when not root.',
	options: {},
	writes: ['cache'],
	async run(args) {
		const report = await runSetup(args.cacheDir, args.progress);
		for (const warning of report.warnings) args.progress.info(warning);
		output(args, report, `setup ok: ${Object.keys(report.guestDebs).length} guest packages cached${report.installed.length ? `, installed ${report.installed.join(' ')}` : ''}`);
		return 0;
	},
};
