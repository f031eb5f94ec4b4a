// Guest userlands as data: bookworm (the host's, kmod 30, depmod on the host) and trixie (from the mirror, kmod 34,
// depmod in the guest), each with its own package list in images/.
import test from 'ava';
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
