// kplug boot: a fresh VM of a kernel × profile × design × CPU, one command through the agent.
import {bootGuest} from '../subject/guest.ts';
import {UsageError} from '../util/errors.ts';
import {vmExitCodes} from '../vm/errors.ts';
import {intOption, type Command} from './command.ts';
import {guestContext} from './guest-context.ts';
import {commandLogDir, guestOptions, oneGuest} from './guest-options.ts';

export const bootCommand: Command = {
	name: 'boot',
	summary: 'boot a fresh VM and run one command in the guest through the agent',
	usage: 'kplug boot [--kernel K] [--userland U] [--profile P] [--design D | --no-modules] [--cpu neon|noneon] [--no-arch] [--append ARGS] [--timeout S] -- CMD [ARGS…]',
	details: [
		'One value each (defaults: --kernel 6.1 --design weak --profile thumb2 --cpu neon). --no-modules boots without',
		'any of kplug\'s modules (the agent and the guest userspace only): for a kernel a design does not build on yet.',
		'Prints the command\'s stdout/stderr and exits with its exit code. Failure classes:',
		...Object.entries(vmExitCodes).map(([k, v]) => `  ${v}  ${k}`),
		'Logs (console.log, agent.log, qemu-argv.json) go to <out>/boot/<timestamp>/.',
	].join('\n'),
	options: {
		...guestOptions,
		'no-arch': {type: 'boolean'},
		'no-modules': {type: 'boolean'},
		append: {type: 'string', multiple: true},
		timeout: {type: 'string'},
	},
	positionals: true,
	async run(args) {
		if (args.positionals.length === 0) throw new UsageError('boot: nothing to run (usage: kplug boot [options] -- CMD [ARGS…])');
		const guest = await oneGuest(args, 'boot');
		const timeoutS = intOption('timeout', args.values['timeout'], 60);
		// Node's timers hold at most 2^31-1 ms (about 24.8 days); a larger one would fire at once.
		if (timeoutS > 86_400) throw new UsageError(`--timeout must be at most 86400 seconds (a day), got "${String(args.values['timeout'])}"`);
		const timeoutMs = timeoutS * 1000;
		const warning = shellAppletWarning(args.positionals);
		if (warning) args.progress.info(warning);
		// Kernel arguments, split on white space only (console=ttyAMA0,115200 holds a comma); an empty --append adds none.
		const appendValues = args.values['append'];
		const append = (Array.isArray(appendValues) ? appendValues : typeof appendValues === 'string' ? [appendValues] : []).flatMap(a => a.split(/\s+/)).filter(Boolean);
		const logDir = await commandLogDir(args.outDir, 'boot');
		const ctx = await guestContext(args);
		const bare = args.values['no-modules'] === true;
		if (bare && args.subject.designs) throw new UsageError('boot: --no-modules boots no design: leave out --design');
		const {vm} = await bootGuest(ctx, {...guest, ...(bare ? {design: undefined} : {}), withArch: args.values['no-arch'] !== true, append}, logDir);
		try {
			args.progress.info(`guest ready in ${vm.bootMs} ms: Linux ${vm.ready.release}, CPU features: ${vm.ready.cpuFeatures.join(' ')}`);
			const result = await vm.exec(args.positionals, {timeoutMs});
			if (args.json) {
				process.stdout.write(JSON.stringify({bootMs: vm.bootMs, ready: vm.ready, result, logDir}, null, 2) + '\n');
			} else {
				process.stdout.write(result.stdout);
				process.stderr.write(result.stderr);
			}
			return result.exitCode < 0 ? 128 + result.signal : result.exitCode;
		} finally {
			await vm.close();
		}
	},
};

const kmodTool = /(?:^|[\s;&|(`])(modprobe|insmod|rmmod|depmod|lsmod|modinfo)\b/;

// Debian's busybox sh runs its own applet for a bare `modprobe` even though kmod's is on PATH.
export function shellAppletWarning(argv: readonly string[]): string | undefined {
	const [cmd, ...rest] = argv;
	if (!cmd || !/(^|\/)(sh|ash)$/.test(cmd)) return undefined;
	const tool = kmodTool.exec(rest.join(' '))?.[1];
	return tool ? `warning: inside busybox sh a bare "${tool}" runs busybox's applet, not kmod's; write /sbin/${tool} (or run the tool without a shell)` : undefined;
}
