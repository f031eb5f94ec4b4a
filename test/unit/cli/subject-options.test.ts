import test from 'ava';
import {parseCommandArgs, type Command} from '../../../harness/cli/command.ts';
import {subjectFilter, subjectOptions} from '../../../harness/cli/subject-options.ts';
import {UsageError} from '../../../harness/util/errors.ts';

test('subjectFilter: names in order from repeats and comma lists; absent filters stay absent', t => {
	t.deepEqual(subjectFilter({}), {});
	t.deepEqual(subjectFilter({kernel: ['6.12,7.3'], design: ['weak', 'mainline'], profile: ['thumb2'], cpu: ['neon,noneon']}), {
		kernels: ['6.12', '7.3'], designs: ['weak', 'mainline'], profiles: ['thumb2'], cpus: ['neon', 'noneon'],
	});
	t.deepEqual(subjectFilter({kernel: ['6.1'], jobs: '2'}), {kernels: ['6.1']});
});

test('subjectFilter: an unknown kernel is a UsageError listing the kernels', t => {
	t.throws(() => subjectFilter({kernel: ['6.12,6.13']}), {instanceOf: UsageError, message: 'unknown kernel "6.13" (kernels: 6.1, 6.12, 7.3)'});
});

test('parseCommandArgs parses the subject once, for any command whose spec has it', t => {
	const command: Command = {name: 'x', summary: '', usage: '', options: {...subjectOptions}, run: async () => 0};
	t.deepEqual(parseCommandArgs(command, ['--kernel', '7.3', '--profile=thumb2']).subject, {kernels: ['7.3'], profiles: ['thumb2']});
	t.deepEqual(parseCommandArgs({...command, options: {}}, []).subject, {});
	t.throws(() => parseCommandArgs(command, ['--kernel', 'nope']), {instanceOf: UsageError});
});

test('subjectFilter: --userland names are checked and kept once each', t => {
	t.deepEqual(subjectFilter({userland: ['trixie,bookworm', 'trixie']}), {userlands: ['trixie', 'bookworm']});
	t.throws(() => subjectFilter({userland: ['bullseye']}), {instanceOf: UsageError, message: 'unknown userland "bullseye" (userlands: bookworm, trixie)'});
});
