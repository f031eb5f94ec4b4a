import {readdirSync} from 'node:fs';
import test from 'ava';
import {configFragments, kernelConfigEntries, kernelConfigMismatches} from '../../../harness/build/kernel.ts';
import {checkKernelProfile, defaultKernel, kernelDef, kernelFragment, kernelLabel, kernels, startKernels} from '../../../harness/build/kernels.ts';
import {mergeFragments, renderFragment} from '../../../harness/build/fragment.ts';
import {moduleSets} from '../../../harness/build/module-sets.ts';
import {baseFragment, loadProfile, profileNames} from '../../../harness/build/profiles.ts';
import {UsageError} from '../../../harness/util/errors.ts';
import {repoPath} from '../../../harness/util/paths.ts';

test('kernels: 6.1 (the default, from the host package), 6.12 and 7.3 (from the mirror), one fragment file each', t => {
	t.deepEqual(kernels.map(k => k.id), ['6.1', '6.12', '7.3']);
	t.is(defaultKernel, '6.1');
	t.deepEqual(kernels.map(k => [k.id, k.package, k.suite, k.from]), [
		['6.1', 'linux-source-6.1', 'bookworm', 'host'],
		['6.12', 'linux-source-6.12', 'trixie', 'mirror'],
		['7.3', 'linux-source-7.3', 'trixie-backports', 'mirror'],
	]);
	const files = readdirSync(repoPath('kernel-config/kernels')).sort();
	t.deepEqual(files, kernels.map(k => `${k.id}.config`).sort());
	for (const k of kernels) t.is(k.fragment, `kernel-config/kernels/${k.id}.config`);
});

test('every kernel fragment parses, asks for libcurve25519 as a module and says why in a comment', async t => {
	for (const k of kernels) {
		const fragment = await kernelFragment(k);
		t.true(fragment.entries.some(e => e.symbol === 'CRYPTO_LIB_CURVE25519' && e.value === 'm'), k.id);
		t.regex(fragment.text, /^# Linux \d+\.\d+ /, k.id);
	}
});

test('base.config is shared: no curve25519 symbol in it (each kernel spells those its own way)', async t => {
	const base = await baseFragment();
	t.deepEqual(base.entries.filter(e => /CURVE25519/.test(e.symbol)), []);
	t.true(base.entries.some(e => e.symbol === 'CRYPTO' && e.value === 'y'));
});

test('7.3 spells the subject its own way: no NEON module symbol, the library through KUnit\'s switch, prompt-less bools checked', async t => {
	const entries = (await kernelFragment(kernelDef('7.3'))).entries.map(e => `${e.symbol}=${e.value}`);
	t.false(entries.some(e => e.startsWith('CRYPTO_CURVE25519_NEON')));
	for (const wanted of ['KUNIT=m', 'CRYPTO_LIB_ENABLE_ALL_FOR_KUNIT=m', 'CRYPTO_LIB_CURVE25519=m', 'CRYPTO_LIB_CURVE25519_ARCH=y', 'CRYPTO_LIB_CURVE25519_GENERIC=y']) t.true(entries.includes(wanted), wanted);
	t.deepEqual(kernelDef('7.3').inTreeModules, {lib: 'lib/crypto/libcurve25519.ko'});
	t.deepEqual(kernelDef('6.12').inTreeModules, kernelDef('6.1').inTreeModules);
});

test('merge order: base, then the kernel, then the profile (a later line wins; 6.1 renders with the subject right after base)', async t => {
	for (const name of await profileNames()) {
		const profile = await loadProfile(name);
		const fragments = await configFragments(kernelDef('6.1'), profile);
		t.deepEqual(fragments.map(f => f.file.replace(/^.*kernel-config\//, '')), ['base.config', 'kernels/6.1.config', `profiles/${name}.config`]);
		// The 6.1 kernel's render (its cache key) is base's lines, then the subject's, then the profile's, in file order.
		const expected = [...fragments[0]!.entries, ...fragments[1]!.entries, ...fragments[2]!.entries].map(e => `${e.symbol}=${e.value}`);
		t.deepEqual(mergeFragments(fragments).map(e => `${e.symbol}=${e.value}`), expected);
		t.true(renderFragment(mergeFragments(fragments)).includes('CONFIG_CRYPTO=y\nCONFIG_CRYPTO_LIB_CURVE25519=m\nCONFIG_CRYPTO_CURVE25519_NEON=m\nCONFIG_CRYPTO_LIB_CURVE25519_GENERIC=m\n'));
	}
});

test('kernelDef: an unknown id is a UsageError listing the kernels', t => {
	t.is(kernelDef('7.3').package, 'linux-source-7.3');
	t.throws(() => kernelDef('5.4'), {instanceOf: UsageError, message: 'unknown kernel "5.4" (kernels: 6.1, 6.12, 7.3)'});
	t.throws(() => kernelDef('linux-source-6.1'), {instanceOf: UsageError});
});

test('checkKernelProfile: a kernel builds the profiles it lists (all when it lists none)', async t => {
	for (const name of await profileNames()) t.notThrows(() => checkKernelProfile(kernelDef('6.1'), name));
	t.notThrows(() => checkKernelProfile(kernelDef('7.3'), 'thumb2'));
	t.deepEqual(kernelDef('6.12').profiles, ['thumb2']);
	t.throws(() => checkKernelProfile(kernelDef('7.3'), 'arm'), {instanceOf: UsageError, message: 'kernel 7.3 does not build profile arm (profiles on 7.3: thumb2)'});
	for (const k of kernels) for (const p of k.profiles ?? []) t.true((await profileNames()).includes(p), `${k.id}: ${p}`);
});

test('kernelLabel: the default kernel\'s cache entries keep their names, another kernel\'s carry its id', t => {
	t.is(kernelLabel(kernelDef('6.1'), 'thumb2-0123'), 'thumb2-0123');
	t.is(kernelLabel(kernelDef('7.3'), 'thumb2-0123'), '7.3-thumb2-0123');
});

test('every module set a kernel lists exists; 6.1 lists all of them', t => {
	const names = moduleSets.map(s => s.name);
	for (const k of kernels) for (const s of k.moduleSets) t.true(names.includes(s), `${k.id}: ${s}`);
	t.deepEqual([...kernelDef('6.1').moduleSets], names);
});

test('npm start covers 6.1, 6.12 and 7.3, each building every module set (on 7.3 mainline\'s is the driver alone, for the consolidated library)', t => {
	t.deepEqual([...startKernels], ['6.1', '6.12', '7.3']);
	for (const id of ['6.12', '7.3']) t.deepEqual([...kernelDef(id).moduleSets], moduleSets.map(s => s.name), id);
});

test('preload: 6.12 carries and loads kpp (its curve25519-neon.ko registers a KPP algorithm), after crypto_algapi; 6.1 needs none', t => {
	t.deepEqual((kernelDef('6.12').preload ?? []).map(p => p.file), ['crypto/crypto_algapi.ko', 'crypto/kpp.ko']);
	t.is(kernelDef('6.1').preload, undefined);
	for (const k of kernels) for (const p of k.preload ?? []) t.regex(p.why, /\w{4,}/, `${k.id} ${p.file}: say why`);
});

test('notInKconfig: 7.3 leaves base.config\'s PROC_SYSCTL out (its Kconfig has SYSCTL only) and checks it stays absent', async t => {
	const profile = await loadProfile('thumb2');
	const on73 = (await kernelConfigEntries(kernelDef('7.3'), profile)).map(e => e.symbol);
	t.false(on73.includes('PROC_SYSCTL'));
	t.true(on73.includes('SYSCTL'));
	t.true((await kernelConfigEntries(kernelDef('6.1'), profile)).some(e => e.symbol === 'PROC_SYSCTL'));
	const entries = [{symbol: 'SYSCTL', value: 'y', file: 'base.config', line: 1}];
	t.deepEqual(kernelConfigMismatches(kernelDef('7.3'), entries, new Map([['SYSCTL', 'y']])), []);
	const [mismatch] = kernelConfigMismatches(kernelDef('7.3'), entries, new Map([['SYSCTL', 'y'], ['PROC_SYSCTL', 'y']]));
	t.is(mismatch?.symbol, 'PROC_SYSCTL');
	t.regex(mismatch?.asked ?? '', /^absent \(/);
});

test('the kernel\'s own KUnit suite: 7.3 builds curve25519_kunit (with kunit.ko) through its fragment; 6.x has none (its tests run at init)', async t => {
	t.deepEqual(kernelDef('7.3').kunit, {suite: 'curve25519', module: 'lib/crypto/tests/curve25519_kunit.ko', needs: ['lib/kunit/kunit.ko']});
	t.is((await kernelFragment(kernelDef('7.3'))).entries.find(e => e.symbol === 'CRYPTO_LIB_CURVE25519_KUNIT_TEST')?.value, 'm');
	for (const id of ['6.1', '6.12']) t.is(kernelDef(id).kunit, undefined, id);
});
