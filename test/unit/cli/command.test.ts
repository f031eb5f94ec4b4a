import {join} from 'node:path';
import test from 'ava';
import {intOption, listOption, parseCommandArgs, vmJobsOption, type Command} from '../../../harness/cli/command.ts';
import {UsageError} from '../../../harness/util/errors.ts';

const splitsList = test.macro<[string | boolean | string[] | undefined, string[] | undefined]>({
	exec(t, value, expected) {
		t.deepEqual(listOption(value), expected);
	},
	title: (provided = '', value) => `${provided} listOption(${JSON.stringify(value)})`.trim(),
});

test(splitsList, 'thumb2', ['thumb2']);
test(splitsList, 'thumb2,arm', ['thumb2', 'arm']);
test(splitsList, ['thumb2', 'arm'], ['thumb2', 'arm']);
test(splitsList, ['thumb2,arm', 'thumb2-noplts'], ['thumb2', 'arm', 'thumb2-noplts']);
test(splitsList, ' thumb2 , arm ', ['thumb2', 'arm']);
test(splitsList, [], undefined);

// An empty shell variable (--design "$D") must not mean every design.
for (const value of ['thumb2,,arm,', ',', '', ' ', ['thumb2', '']]) {
	test(`listOption(${JSON.stringify(value)}) refuses an empty name`, t => {
		const error = t.throws(() => listOption(value, 'profile'), {instanceOf: UsageError});
		t.regex(error.message, /^--profile ".*" has an empty name: give names, or leave --profile out for all$/);
	});
}
test(splitsList, undefined, undefined);
test(splitsList, true, undefined);

const rejectsInt = test.macro<[string]>({
	exec(t, value: string) {
		const error = t.throws(() => intOption('jobs', value, 4), {instanceOf: UsageError});
		t.regex(error?.message ?? '', /^--jobs /);
		t.true(error?.message.includes(`"${value}"`), error?.message);
		t.is((error as UsageError).exitCode, 2);
	},
	title: (provided = '', value) => `${provided} intOption rejects ${JSON.stringify(value)}`.trim(),
});

test(rejectsInt, '0');
test(rejectsInt, '-1');
test(rejectsInt, 'abc');
test(rejectsInt, '1.5');
test(rejectsInt, '');
test(rejectsInt, '1e3');
test(rejectsInt, '0x10');
test(rejectsInt, '99999999999999999999');

test('vmJobsOption: at most as many VMs as the memory holds; the default is capped to that too', t => {
	const gib = 2 ** 30;
	t.is(vmJobsOption('37', 2, 24 * gib), 37);
	const error = t.throws(() => vmJobsOption('39', 2, 24 * gib), {instanceOf: UsageError});
	t.is(error?.message, '--jobs 39 is more VMs than this machine\'s 24576 MiB of memory holds at once (at most 38, about 640 MiB each)');
	// A 1 GiB machine runs one VM at a time, whatever the core count suggested.
	t.is(vmJobsOption(undefined, 4, gib), 1);
	t.throws(() => vmJobsOption('2', 4, gib), {message: /at most 1,/});
	// Half a GiB still runs one (the guest may fit; refusing every run would help no one).
	t.is(vmJobsOption(undefined, 2, gib / 2), 1);
	t.throws(() => vmJobsOption('0', 2, 24 * gib), {message: /^--jobs must be an integer ≥ 1/});
});

test('intOption: a valid value is used, a missing one falls back', t => {
	t.is(intOption('jobs', '8', 4), 8);
	t.is(intOption('jobs', '1', 4), 1);
	t.is(intOption('jobs', undefined, 4), 4);
	t.is(intOption('timeout', '600', 60), 600);
});

test('intOption honours min and names the flag and the bound', t => {
	t.is(intOption('repeat', '0', 1, 0), 0);
	const error = t.throws(() => intOption('timeout', '5', 60, 10), {instanceOf: UsageError});
	t.is(error?.message, '--timeout must be an integer ≥ 10, got "5"');
});

test('intOption rejects a flag given without a value or twice', t => {
	t.throws(() => intOption('jobs', true, 4), {instanceOf: UsageError, message: /^--jobs /});
	t.throws(() => intOption('jobs', ['2', '3'], 4), {instanceOf: UsageError, message: /^--jobs /});
});

const command: Command = {
	name: 'build',
	summary: 'test command',
	usage: 'kplug build',
	options: {profile: {type: 'string', multiple: true}, jobs: {type: 'string', short: 'j'}},
	run: () => Promise.resolve(0),
};

test('parseCommandArgs: repeated and comma lists reach listOption; global flags parsed', t => {
	const args = parseCommandArgs(command, ['--profile', 'thumb2,arm', '--profile', 'thumb2-noplts', '-j', '3', '--json', '--cache', '/c']);
	t.deepEqual(listOption(args.values['profile']), ['thumb2', 'arm', 'thumb2-noplts']);
	t.is(intOption('jobs', args.values['jobs'], 1), 3);
	t.true(args.json);
	t.false(args.help);
	t.is(args.cacheDir, '/c');
});

test('parseCommandArgs: an unknown flag or a stray positional is a UsageError naming the command', t => {
	t.throws(() => parseCommandArgs(command, ['--nope']), {instanceOf: UsageError, message: /^build: .*kplug build --help/});
	t.throws(() => parseCommandArgs(command, ['extra']), {instanceOf: UsageError, message: /^build: /});
});

test('a single-value option given twice is refused naming both values; repeatable ones and flags are not', t => {
	t.throws(() => parseCommandArgs(command, ['--out', 'a', '--json', '--out=b']), {instanceOf: UsageError, message: 'build: --out given twice ("a", "b"): give it once'});
	t.throws(() => parseCommandArgs(command, ['-j', '2', '--jobs', '3']), {instanceOf: UsageError, message: 'build: --jobs given twice ("2", "3"): give it once'});
	const args = parseCommandArgs(command, ['--profile', 'arm', '--profile', 'thumb2', '--json', '--json']);
	t.deepEqual(args.values['profile'], ['arm', 'thumb2']);
	t.true(args.json);
	t.true(parseCommandArgs(command, ['--out', 'a', '--out', 'b', '--help']).help, '--help is shown whatever else was given');
});

test('an empty --out or --cache (an unset shell variable) is refused, not taken as the current folder', t => {
	t.throws(() => parseCommandArgs(command, ['--out', '']), {instanceOf: UsageError, message: '--out "": give a folder'});
	t.throws(() => parseCommandArgs(command, ['--cache', ' ']), {instanceOf: UsageError, message: '--cache "": give a folder'});
	t.is(parseCommandArgs(command, ['--out', 'o']).outDir, join(process.cwd(), 'o'));
});

import {shellAppletWarning} from '../../../harness/cli/boot-command.ts';

test('boot warns when busybox sh would run its own applet instead of kmod', t => {
	t.regex(shellAppletWarning(['sh', '-c', 'modprobe kplug_x25519']) ?? '', /bare "modprobe" runs busybox's applet/);
	t.regex(shellAppletWarning(['/bin/sh', '-c', 'echo x; lsmod']) ?? '', /"lsmod"/);
	t.is(shellAppletWarning(['sh', '-c', '/sbin/modprobe kplug_x25519']), undefined);
	t.is(shellAppletWarning(['modprobe', 'kplug_x25519']), undefined);
	t.is(shellAppletWarning(['sh', '-c', 'echo modprobed']), undefined);
});
