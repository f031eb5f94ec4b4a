// Every kernel object (6.12 and 7.3 fetched from the host's Debian mirror): built (thumb2), booted without kplug's
// modules; the guest's /proc/version must be the source package's upstream version.
import {access, readFile} from 'node:fs/promises';
import {join} from 'node:path';
import test from 'ava';
import {kernelDef, kernels} from '../../harness/build/kernels.ts';
import {parseDotConfig} from '../../harness/build/fragment.ts';
import {bootGuest, profileBuild} from '../../harness/subject/guest.ts';
import {logDir, ourQemus, testGuestContext} from './_context.ts';

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

for (const id of kernels.map(k => k.id)) {
	test(`kernel ${id} (thumb2): source, build, boots to the agent, /proc/version is ${kernelDef(id).package}'s`, async t => {
		const ctx = await testGuestContext();
		const build = await profileBuild(ctx, 'thumb2', id);
		t.is(build.kernel.kernel, id);
		t.is(build.kernel.sourcePackage, kernelDef(id).package);
		// Debian version 7.3.4-1~bpo13+1 → upstream 7.3.4.
		const upstream = build.kernel.sourceVersion.replace(/-[^-]+$/, '');
		t.regex(upstream, new RegExp(`^${escape(id)}\\.\\d+$`), build.kernel.sourceVersion);
		for (const path of Object.values(build.kernel.inTreeModules)) await t.notThrowsAsync(access(path), path);
		const dotConfig = parseDotConfig(await readFile(join(build.kernel.dir, '.config'), 'utf8'));
		t.is(dotConfig.get('CRYPTO_LIB_CURVE25519'), 'm');
		if (!kernelDef(id).inTreeModules.arch) await t.throwsAsync(access(join(build.kernel.dir, 'arch/arm/crypto/curve25519-neon.ko')));
		const {vm} = await bootGuest(ctx, {kernel: id, profile: 'thumb2', cpu: 'neon', withArch: false}, await logDir(`kernel-${id}`));
		t.teardown(() => vm.close());
		t.is(vm.ready.release, build.kernel.release);
		const version = await vm.exec(['cat', '/proc/version']);
		t.is(version.exitCode, 0, version.stderr);
		t.log(version.stdout.trim());
		t.regex(version.stdout, new RegExp(`^Linux version ${escape(upstream)} \\(kplug@kplug\\) \\(arm-linux-gnueabihf-gcc`));
		await vm.close();
		t.deepEqual(await ourQemus(), []);
	});
}
