// Guest userland as a dimension: trixie's armhf packages (kmod 34) fetched through the private apt configuration, the
// image's depmod run in the guest when the image is built, and the cells run with kmod 34's modprobe on 6.12.
import test from 'ava';
import {execa} from 'execa';
import type {Report} from '../../harness/report/schema.ts';
import {bootGuest, guestImage} from '../../harness/subject/guest.ts';
import {repoPath} from '../../harness/util/paths.ts';
import {logDir, ourQemus, testGuestContext} from './_context.ts';
import {tempDir} from '../_temp.ts';

const kplug = repoPath('harness/bin/kplug.mjs');

test('trixie userland on 6.12: kmod 34 in the guest, merged /usr, modules.dep and its binary index written by the guest\'s own depmod', async t => {
	const ctx = await testGuestContext();
	const spec = {kernel: '6.12', userland: 'trixie', profile: 'thumb2', design: 'weak' as const, cpu: 'neon', withArch: true};
	const {image} = await guestImage(ctx, spec);
	t.regex(image.path, /thumb2-weak\+trixie/);
	const {vm} = await bootGuest(ctx, spec, await logDir(t, 'userland-trixie'));
	t.teardown(() => vm.close());
	const version = await vm.exec(['/sbin/modprobe', '--version']);
	t.regex(version.stdout, /^kmod version 34\b/);
	const links = await vm.exec(['sh', '-c', 'for l in /lib /sbin /bin; do readlink $l; done']);
	t.deepEqual(links.stdout.trim().split('\n'), ['usr/lib', 'usr/sbin', 'usr/bin']);
	const release = vm.ready.release;
	const dep = await vm.exec(['cat', `/lib/modules/${release}/modules.dep`]);
	// kmod 34 still records the weak reference as a hard dependency…
	t.regex(dep.stdout, /^kernel\/kplug\/libcurve25519\.ko: kernel\/kplug\/curve25519-neon\.ko kernel\/kplug\/libcurve25519-generic\.ko$/m);
	// …and writes the library's MODULE_WEAKDEP (6.11+) to modules.weakdep.
	const weakdep = await vm.exec(['grep', '-v', '^#', `/lib/modules/${release}/modules.weakdep`]);
	t.is(weakdep.stdout.trim(), 'weakdep libcurve25519 curve25519-neon');
	// modprobe reads the binary index the guest's depmod wrote (modules.dep.bin): what it would load, in order.
	const show = await vm.exec(['/sbin/modprobe', '--show-depends', 'kplug_x25519']);
	t.is(show.exitCode, 0, show.stderr);
	t.deepEqual(show.stdout.trim().split('\n').map(l => l.trim().split('/').pop()), ['libcurve25519-generic.ko', 'curve25519-neon.ko', 'libcurve25519.ko', 'kplug-x25519.ko']);
	await vm.close();
	t.deepEqual(await ourQemus(), []);
});

test('kplug run --userland trixie: the 6.12 modprobe cells match the baseline recorded with kmod 34, and the report names kmod 34\'s depmod', async t => {
	const out = await tempDir(t, 'userland');
	const result = await execa('node', [kplug, 'run', '--kernel', '6.12', '--userland', 'trixie', '--design', 'weak,mainline', '--scenario', 'modprobe', '--json', '--out', out], {reject: false, env: {CI: 'true'}});
	t.true(result.stdout.startsWith('{'), result.stderr.split('\n').slice(-5).join('\n'));
	const report = JSON.parse(result.stdout) as Report;
	t.deepEqual(report.cells.map(c => c.cellKey).sort(), ['mainline/thumb2@6.12+trixie/neon/modprobe', 'mainline/thumb2@6.12+trixie/noneon/modprobe', 'weak/thumb2@6.12+trixie/neon/modprobe', 'weak/thumb2@6.12+trixie/noneon/modprobe']);
	for (const c of report.cells) {
		t.is(c.status, 'completed', `${c.cellKey}: ${c.error?.message}`);
		t.regex(c.guest?.kmod ?? '', /^kmod version 34/);
	}
	t.deepEqual(report.deviations, []);
	t.is(result.exitCode, 0);
	const weak = report.cells.find(c => c.cellKey === 'weak/thumb2@6.12+trixie/neon/modprobe')!;
	t.deepEqual(weak.recorded?.modulesWeakdep, ['weakdep libcurve25519 curve25519-neon']);
	// mainline's library declares no weak dependency: kmod 34 writes the file, with no line for it.
	const mainline = report.cells.find(c => c.cellKey === 'mainline/thumb2@6.12+trixie/neon/modprobe')!;
	t.deepEqual(mainline.recorded?.modulesWeakdep, []);
	t.deepEqual(await ourQemus(), []);
});
