import {readdirSync} from 'node:fs';
import test from 'ava';
import {defaultProfile, loadProfile, profileNames, selectProfiles} from '../../../harness/build/profiles.ts';
import {UsageError} from '../../../harness/util/errors.ts';
import {repoPath} from '../../../harness/util/paths.ts';

const onDisk = readdirSync(repoPath('kernel-config', 'profiles'))
	.filter(f => f.endsWith('.config'))
	.map(f => f.slice(0, -'.config'.length));

test('profileNames: thumb2 first, all three present, one per fragment file', async t => {
	const names = await profileNames();
	t.is(defaultProfile, 'thumb2');
	t.is(names[0], 'thumb2');
	for (const name of ['thumb2', 'arm', 'thumb2-noplts']) t.true(names.includes(name), name);
	t.deepEqual([...names].sort(), [...onDisk].sort());
	t.is(new Set(names).size, names.length);
});

test('loadProfile of an unknown name throws a UsageError listing the profiles', async t => {
	const error = await t.throwsAsync(loadProfile('thumb3'), {instanceOf: UsageError});
	t.regex(error?.message ?? '', /unknown profile "thumb3"/);
	for (const name of await profileNames()) t.true(error?.message.includes(name), name);
	t.true(error?.message.includes('(profiles: thumb2, '), error?.message);
});

test('loadProfile does not resolve paths from the name', async t => {
	await t.throwsAsync(loadProfile('../base'), {instanceOf: UsageError});
	await t.throwsAsync(loadProfile('thumb2.config'), {instanceOf: UsageError});
});

test('loadProfile: its own fragment, description from its first comment', async t => {
	const profile = await loadProfile('thumb2-noplts');
	t.is(profile.name, 'thumb2-noplts');
	t.true(profile.fragment.file.endsWith('kernel-config/profiles/thumb2-noplts.config'));
	t.deepEqual(profile.fragment.entries.map(e => `${e.symbol}=${e.value}`), ['THUMB2_KERNEL=y', 'ARM_MODULE_PLTS=n']);
	t.regex(profile.description, /^Thumb-2 kernel without module PLTs/);
	t.false(profile.description.startsWith('#'));
});

test('selectProfiles: undefined or empty means all, otherwise the named ones in order', async t => {
	const all = (await selectProfiles(undefined)).map(p => p.name);
	t.deepEqual(all, await profileNames());
	t.deepEqual((await selectProfiles([])).map(p => p.name), all);
	t.deepEqual((await selectProfiles(['arm', 'thumb2'])).map(p => p.name), ['arm', 'thumb2']);
	await t.throwsAsync(selectProfiles(['arm', 'nope']), {instanceOf: UsageError, message: /unknown profile "nope"/});
});
