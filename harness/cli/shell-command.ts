// kplug shell: an interactive busybox sh in a fresh guest of one design × profile × CPU, on its serial console.
import {kmodTools} from '../image/image.ts';
import {bootGuest} from '../subject/guest.ts';
import {UsageError} from '../util/errors.ts';
import {rawTerminal} from '../util/raw-terminal.ts';
import {runConsoleSession} from '../vm/console-session.ts';
import type {Command} from './command.ts';
import {configKey} from '../scenarios/config-key.ts';
import {guestContext} from './guest-context.ts';
import {commandLogDir, guestDefaults, guestOptions, oneGuest} from './guest-options.ts';

// The guest's /etc/profile for a session (read by the login shell): kmod's tools rather than busybox's applets of
// the same names (busybox sh runs its own applet before searching PATH), and a prompt naming the guest.
export function shellProfile(label: string): string {
	return [
		`# kplug shell ${label}: written by the host for this session`,
		...kmodTools.map(tool => `${tool}() { /sbin/${tool} "$@"; }`),
		`PS1='kplug ${label}:\\w# '`,
		'',
	].join('\n');
}

// What runs on the console: a login shell; at a terminal an interactive one with the user's TERM. For a pipe, a
// non-interactive one, so that the output is the commands' output (no banner, no prompts): busybox sh is interactive
// whenever its stdin and stdout are terminals (+i does not stop it), so its output goes through a pipe; pipefail
// keeps its exit status.
export function shellCommandLine(interactive: boolean, term: string | undefined): string[] {
	if (!interactive) return ['sh', '-c', 'set -o pipefail; sh -l 2>&1 | cat'];
	return ['env', `TERM=${term && /^[\w.+-]{1,64}$/.test(term) ? term : 'vt100'}`, 'sh', '-l'];
}

export const shellCommand: Command = {
	name: 'shell',
	summary: 'an interactive shell (busybox sh) in a fresh guest of one design × profile × CPU; exit or Ctrl-D powers it off',
	usage: 'kplug shell [--kernel K] [--userland U] [--design D] [--profile P] [--cpu C]',
	details: [
		`One value each (defaults: --design ${guestDefaults.design} --profile ${guestDefaults.profile} --cpu ${guestDefaults.cpu}). The guest boots with the design's`,
		'modules in /lib/modules/<release>/kernel/kplug (depmod run, nothing loaded); modprobe, insmod, rmmod, lsmod, modinfo',
		'and depmod are kmod\'s. The shell runs on the serial console, so kernel messages show up in it as they happen.',
		'At a terminal it is raw-mode interactive (Ctrl-C goes to the guest); from a pipe it reads commands without',
		'echo or prompt and ends at end of input. Exits with the shell\'s status; the console log is in <out>/shell/<time>/.',
	].join('\n'),
	options: guestOptions,
	async run(args) {
		if (args.json) throw new UsageError('shell: --json does not apply (the session itself is the output)');
		const guest = await oneGuest(args, 'shell');
		const logDir = await commandLogDir(args.outDir, 'shell');
		const ctx = await guestContext(args);
		const {vm} = await bootGuest(ctx, {...guest, withArch: true, consoleInput: true}, logDir);
		try {
			const label = configKey(guest);
			await vm.writeFile('/etc/profile', shellProfile(label));
			args.progress.info(`${label} ready in ${vm.bootMs} ms: Linux ${vm.ready.release}; exit or Ctrl-D powers it off (log: ${logDir})`);
			const interactive = process.stdin.isTTY === true;
			const size = process.stdout.isTTY ? {size: {rows: process.stdout.rows, cols: process.stdout.columns}} : {};
			const restore = rawTerminal(process.stdin);
			try {
				return await runConsoleSession(vm, {input: process.stdin, output: process.stdout, interactive, ...size}, {command: shellCommandLine(interactive, process.env['TERM'])});
			} finally {
				restore();
			}
		} finally {
			await vm.close();
		}
	},
};
