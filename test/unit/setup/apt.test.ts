import test from 'ava';
import {aptDownloadArgs, aptInstallArgs, installLine} from '../../../harness/setup/apt.ts';

test('aptInstallArgs: non-interactive install without recommends, packages last', t => {
	t.deepEqual(aptInstallArgs(['qemu-system-arm', 'gcc-arm-linux-gnueabihf']), [
		'install',
		'-y',
		'--no-install-recommends',
		'qemu-system-arm',
		'gcc-arm-linux-gnueabihf',
	]);
});

test('aptDownloadArgs: download each package for the foreign architecture', t => {
	t.deepEqual(aptDownloadArgs(['busybox-static', 'kmod'], 'armhf'), [
		'-o',
		'APT::Sandbox::User=root',
		'download',
		'busybox-static:armhf',
		'kmod:armhf',
	]);
	t.deepEqual(aptDownloadArgs([], 'armhf'), ['-o', 'APT::Sandbox::User=root', 'download']);
});

test('installLine without an architecture: update, then install', t => {
	t.is(
		installLine(['qemu-system-arm', 'ccache']),
		'sudo apt-get update && sudo apt-get install -y --no-install-recommends qemu-system-arm ccache',
	);
	t.false(installLine(['ccache']).includes('dpkg'));
});

test('installLine with armhf: add the architecture first, then update and install', t => {
	const line = installLine(['qemu-system-arm'], 'armhf');
	t.is(line, 'sudo dpkg --add-architecture armhf && sudo apt-get update && sudo apt-get install -y --no-install-recommends qemu-system-arm');
	t.true(line.indexOf('--add-architecture') < line.indexOf('apt-get update'));
	// Host tools are native packages: no :armhf suffix on them.
	t.false(line.includes(':armhf'));
});
