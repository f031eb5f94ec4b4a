import test from 'ava';
import {cellKey, configKey, kernelField, parseProfileName, profileName, userlandField} from '../../../harness/scenarios/config-key.ts';

test('the default kernel is not written: its names (and the baseline\'s keys) are as before', t => {
	t.is(configKey({design: 'weak', profile: 'thumb2', cpu: 'neon'}), 'weak/thumb2/neon');
	t.is(configKey({design: 'weak', profile: 'thumb2', cpu: 'neon', kernel: '6.1'}), 'weak/thumb2/neon');
	t.is(cellKey({design: 'weak', profile: 'arm', cpu: 'noneon', scenario: 'rmmod'}), 'weak/arm/noneon/rmmod');
	t.deepEqual(kernelField('6.1'), {});
	t.deepEqual(kernelField(undefined), {});
});

test('another kernel is written after the profile, so the key keeps its four parts', t => {
	t.is(profileName({profile: 'thumb2', kernel: '7.3'}), 'thumb2@7.3');
	t.is(cellKey({design: 'mainline', profile: 'thumb2', cpu: 'neon', scenario: 'arch-first', kernel: '6.12'}), 'mainline/thumb2@6.12/neon/arch-first');
	t.is(cellKey({design: 'mainline', profile: 'thumb2', cpu: 'neon', scenario: 'arch-first', kernel: '6.12'}).split('/').length, 4);
	t.deepEqual(kernelField('7.3'), {kernel: '7.3'});
});

test('another userland is written after the kernel (thumb2@6.12+trixie); the default userland is not written', t => {
	t.is(profileName({profile: 'thumb2', kernel: '6.12', userland: 'trixie'}), 'thumb2@6.12+trixie');
	t.is(profileName({profile: 'arm', userland: 'trixie'}), 'arm+trixie');
	t.is(profileName({profile: 'arm', kernel: '6.1', userland: 'bookworm'}), 'arm');
	t.is(cellKey({design: 'weak', profile: 'thumb2', cpu: 'neon', scenario: 'modprobe', kernel: '6.12', userland: 'trixie'}), 'weak/thumb2@6.12+trixie/neon/modprobe');
	t.deepEqual(userlandField('bookworm'), {});
	t.deepEqual(userlandField('trixie'), {userland: 'trixie'});
	for (const name of ['thumb2', 'thumb2@7.3', 'arm+trixie', 'thumb2@6.12+trixie']) t.is(profileName(parseProfileName(name)), name);
	t.deepEqual(parseProfileName('thumb2@6.12+trixie'), {profile: 'thumb2', kernel: '6.12', userland: 'trixie'});
});
