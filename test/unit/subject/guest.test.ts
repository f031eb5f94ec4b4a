import test from 'ava';
import {buildContext} from '../../../harness/build/context.ts';
import {bootGuest} from '../../../harness/subject/guest.ts';
import {createProgress} from '../../../harness/util/progress.ts';

// Booting never runs host setup: a context without the setup's guest packages is a bug in the caller, said at once
// (before any build), not an apt-get run as a side effect.
test('a guest asked for without setup\'s guest packages is an internal error naming what is missing', async t => {
	const ctx = buildContext('/nonexistent-kplug-cache', createProgress({quiet: true}));
	const error = await t.throwsAsync(bootGuest(ctx, {profile: 'thumb2', design: 'weak', cpu: 'neon', withArch: true}, '/nonexistent-kplug-logs'));
	t.regex(error.message, /without guestDebs: a command that boots guests runs setup first/);
});
