import test from 'ava';
import {parseCommandArgs} from '../../../harness/cli/command.ts';
import {oneGuest} from '../../../harness/cli/guest-options.ts';
import {shellCommand, shellCommandLine, shellProfile} from '../../../harness/cli/shell-command.ts';
import {UsageError} from '../../../harness/util/errors.ts';
import {kplugCli} from './_kplug.ts';

test('the guest profile makes kmod\'s tools win over busybox\'s applets and names the guest in the prompt', t => {
	const profile = shellProfile('weak/thumb2/neon');
	for (const tool of ['modprobe', 'insmod', 'rmmod', 'depmod', 'lsmod', 'modinfo']) t.true(profile.includes(`\n${tool}() { /sbin/${tool} "$@"; }\n`), tool);
	t.regex(profile, /^PS1='kplug weak\/thumb2\/neon:\\w# '$/m);
});

test('at a terminal: an interactive login shell with the user\'s TERM (anything odd becomes vt100)', t => {
	t.deepEqual(shellCommandLine(true, 'xterm-256color'), ['env', 'TERM=xterm-256color', 'sh', '-l']);
	t.deepEqual(shellCommandLine(true, undefined), ['env', 'TERM=vt100', 'sh', '-l']);
	t.deepEqual(shellCommandLine(true, 'x; rm -rf /'), ['env', 'TERM=vt100', 'sh', '-l']);
});

test('from a pipe: a non-interactive login shell whose output goes through a pipe, its status kept', t => {
	t.deepEqual(shellCommandLine(false, 'xterm'), ['sh', '-c', 'set -o pipefail; sh -l 2>&1 | cat']);
});

test('one guest: the defaults are weak, the default profile and the NEON CPU; names are checked', async t => {
	const guest = (argv: string[]) => oneGuest(parseCommandArgs(shellCommand, argv), 'shell');
	t.deepEqual(await guest([]), {design: 'weak', profile: 'thumb2', cpu: 'neon'});
	t.deepEqual(await guest(['--design', 'static-call', '--profile', 'arm', '--cpu', 'noneon']), {design: 'static-call', profile: 'arm', cpu: 'noneon'});
	await t.throwsAsync(guest(['--design', 'weak,softdep']), {instanceOf: UsageError, message: 'shell: one --design at a time, got weak, softdep'});
	await t.throwsAsync(guest(['--cpu', 'neon', '--cpu', 'noneon']), {instanceOf: UsageError, message: 'shell: one --cpu at a time, got neon, noneon'});
	await t.throwsAsync(guest(['--profile', 'nope']), {instanceOf: UsageError, message: /unknown profile "nope"/});
});

test('one guest on another kernel: the kernel is named only when it is not the default, and must build the profile', async t => {
	const guest = (argv: string[]) => oneGuest(parseCommandArgs(shellCommand, argv), 'shell');
	t.deepEqual(await guest(['--kernel', '6.1']), {design: 'weak', profile: 'thumb2', cpu: 'neon'});
	t.deepEqual(await guest(['--kernel', '7.3']), {kernel: '7.3', design: 'weak', profile: 'thumb2', cpu: 'neon'});
	await t.throwsAsync(guest(['--kernel', '6.1,7.3']), {instanceOf: UsageError, message: 'shell: one --kernel at a time, got 6.1, 7.3'});
	await t.throwsAsync(guest(['--kernel', '7.3', '--profile', 'thumb2-noplts']), {instanceOf: UsageError, message: /kernel 7\.3 does not build profile thumb2-noplts/});
});

const refused = test.macro<[string[], RegExp]>({
	async exec(t, argv, message) {
		const result = await kplugCli(['shell', ...argv], {input: 'lsmod\nexit\n'});
		t.is(result.exitCode, 2, result.stderr);
		t.is(result.stdout, '');
		t.regex(result.stderr, /^kplug: [^\n]*$/, 'one line');
		t.regex(result.stderr, message);
	},
	title: (provided = '') => `kplug shell refuses ${provided} before anything boots`,
});

test('two designs', refused, ['--design', 'weak,mainline'], /one --design at a time/);
test('an unknown CPU', refused, ['--cpu', 'a9'], /unknown CPU model "a9"/);
test('a command after it', refused, ['lsmod'], /Unexpected argument 'lsmod'/);

test('kplug shell --json is refused (the session is the output), as JSON on stdout too', async t => {
	const result = await kplugCli(['shell', '--json'], {input: 'exit\n'});
	t.is(result.exitCode, 2);
	t.deepEqual(JSON.parse(result.stdout), {error: 'shell: --json does not apply (the session itself is the output)', exitCode: 2});
});
