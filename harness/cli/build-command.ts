// kplug build: cached kernel + module builds per profile.
import {buildContext} from '../build/context.ts';
import {buildProfiles} from '../build/build.ts';
import {selectProfiles} from '../build/profiles.ts';
import {intOption, listOption, output, type Command} from './command.ts';

export const buildCommand: Command = {
	name: 'build',
	summary: 'cross-build the kernel and both designs\' module sets for each profile (cached by content)',
	usage: 'kplug build [--profile P[,P…]] [--jobs N] [--cache DIR] [--json]',
	details: 'Profiles are kernel-config/profiles/*.config on top of kernel-config/base.config. All profiles by default.',
	options: {profile: {type: 'string', multiple: true}, jobs: {type: 'string'}},
	writes: ['cache'],
	async run(args) {
		const profiles = await selectProfiles(listOption(args.values['profile']));
		const ctx = buildContext(args.cacheDir, args.progress, args.signal);
		ctx.jobs = intOption('jobs', args.values['jobs'], ctx.jobs);
		const started = Date.now();
		const {source, builds} = await buildProfiles(ctx, profiles);
		const seconds = (Date.now() - started) / 1000;
		const lines = builds.map(b => `${b.profile.padEnd(14)} ${b.kernel.release}  ${b.kernel.dir}\n${' '.repeat(15)}modules: ${Object.values(b.sets).flatMap(s => Object.keys(s.modules).map(m => `${s.set}/${m}`)).join(' ')}`);
		output(args, {source, seconds, builds}, `${lines.join('\n')}\nbuild ok in ${seconds.toFixed(1)}s (linux-source-6.1 ${source.packageVersion})`);
		return 0;
	},
};
