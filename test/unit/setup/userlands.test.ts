// Guest userlands as data: bookworm (the host's, kmod 30, depmod on the host) and trixie (from the mirror, kmod 34,
// depmod in the guest), each with its own package list in images/.
import test from 'ava';
import {kernels} from '../../../harness/build/kernels.ts';
import {mirrorDebsDir, debsOfIndex} from '../../../harness/setup/mirror-debs.ts';
import {defaultUserland, parsePackageList, userlandDef, userlandPackages, userlands} from '../../../harness/setup/userlands.ts';
import {UsageError} from '../../../harness/util/errors.ts';

test('userlands: bookworm (default, host, depmod on the host) and trixie (mirror, depmod in the guest, merged /usr)', t => {
	t.deepEqual(userlands.map(u => [u.id, u.from, u.suite, u.kmod, u.depmod, u.mergedUsr]), [
		['bookworm', 'host', 'bookworm', '30', 'host', false],
		['trixie', 'mirror', 'trixie', '34', 'guest', true],
	]);
	t.is(userlandDef(defaultUserland).from, 'host');
});

test('an unknown userland is a UsageError naming the ones there are', t => {
	t.throws(() => userlandDef('sid'), {instanceOf: UsageError, message: 'unknown userland "sid" (userlands: bookworm, trixie)'});
});

test('package lists: comments and blank lines dropped; every userland carries busybox-static, kmod and libkmod2', async t => {
	t.deepEqual(parsePackageList('# a comment\nkmod\n\n  libkmod2  # trailing\n'), ['kmod', 'libkmod2']);
	for (const u of userlands) {
		const packages = await userlandPackages(u);
		for (const p of ['busybox-static', 'kmod', 'libkmod2', 'libc6']) t.true(packages.includes(p), `${u.id}: ${p}`);
		t.is(new Set(packages).size, packages.length, `${u.id}: no package twice`);
	}
	// The 64-bit time_t transition renamed libssl3 in trixie; its libssl3t64 needs zlib1g.
	t.true((await userlandPackages(userlandDef('bookworm'))).includes('libssl3'));
	const trixie = await userlandPackages(userlandDef('trixie'));
	t.true(trixie.includes('libssl3t64') && trixie.includes('zlib1g') && !trixie.includes('libssl3'));
});

test('every kernel\'s default userlands are known ones, the default among them', t => {
	for (const k of kernels) {
		for (const u of k.userlands ?? []) t.notThrows(() => userlandDef(u), `${k.id}: ${u}`);
		if (k.userlands) t.true(k.userlands.includes(defaultUserland), k.id);
	}
	t.deepEqual(kernels.filter(k => k.userlands?.includes('trixie')).map(k => k.id), ['6.12']);
});

test('the trixie packages\' cache entry is named by suite, architecture and package list; its index gives the .deb paths', t => {
	const trixie = userlandDef('trixie');
	const dir = mirrorDebsDir('/c', trixie, ['kmod', 'libkmod2']);
	t.regex(dir, /^\/c\/debs\/trixie-armhf-[0-9a-f]+$/);
	t.not(mirrorDebsDir('/c', trixie, ['kmod']), dir, 'another package list, another entry');
	t.deepEqual(debsOfIndex(dir, {suite: 'trixie', arch: 'armhf', mirrors: [], packages: {kmod: {version: '34.2-2', file: 'kmod_34.2-2_armhf.deb', size: 1, sha256: '0'.repeat(64)}}}), {kmod: `${dir}/kmod_34.2-2_armhf.deb`});
});
