// kplug build: cached kernel + module builds per kernel and profile.
import {buildContext} from '../build/context.ts';
import {buildKernels} from '../build/build.ts';
import {kernelDef, kernelLabel} from '../build/kernels.ts';
import {intOption, output, type Command} from './command.ts';
import {subjectHelp, subjectOptions} from './subject-options.ts';

export const buildCommand: Command = {
	name: 'build',
	summary: 'cross-build the kernel and the designs\' module sets for each profile (cached by content)',
	usage: 'kplug build [--kernel K[,K…]] [--profile P[,P…]] [--jobs N] [--cache DIR] [--json]',
	details: `Profiles are kernel-config/profiles/*.config on top of kernel-config/base.config and the kernel's own
kernel-config/kernels/<id>.config. All profiles the kernel builds by default (6.1: all). ${subjectHelp}
A kernel other than 6.1 is downloaded once from the host's Debian mirror (its suite swapped in, through a
private apt configuration under the cache) and builds the module sets it lists (kernels.ts).`,
	options: {kernel: subjectOptions['kernel']!, profile: subjectOptions['profile']!, jobs: {type: 'string'}},
	writes: ['cache'],
	async run(args) {
		const ctx = buildContext(args.cacheDir, args.progress, args.signal);
		ctx.jobs = intOption('jobs', args.values['jobs'], ctx.jobs);
		const started = Date.now();
		const results = await buildKernels(ctx, args.subject.kernels, args.subject.profiles);
		const seconds = (Date.now() - started) / 1000;
		const lines = results.flatMap(r => r.builds.map(b => {
			const modules = Object.values(b.sets).flatMap(s => Object.keys(s.modules).map(m => `${s.set}/${m}`));
			return `${kernelLabel(kernelDef(r.kernel), b.profile).padEnd(14)} ${b.kernel.release}  ${b.kernel.dir}\n${' '.repeat(15)}modules: ${modules.join(' ') || '(no module set listed for this kernel)'}`;
		}));
		const sources = results.map(r => `${r.source.package} ${r.source.packageVersion}`).join(', ');
		output(args, {source: results[0]?.source, sources: results.map(r => r.source), seconds, builds: results.flatMap(r => r.builds)}, `${lines.join('\n')}\nbuild ok in ${seconds.toFixed(1)}s (${sources})`);
		return 0;
	},
};
