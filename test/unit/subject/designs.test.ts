// Designs are data: one object each, plus its module folder; these tests tie the two together.
import test from 'ava';
import {readFile, readdir} from 'node:fs/promises';
import {moduleSets} from '../../../harness/build/module-sets.ts';
import type {ProfileBuild} from '../../../harness/build/build.ts';
import {kernelDef, kernels} from '../../../harness/build/kernels.ts';
import {archHome, design, designModuleFiles, designRoles, designs, imageModules, missingRoleReason, moduleNames} from '../../../harness/subject/designs.ts';
import {UsageError} from '../../../harness/util/errors.ts';
import {repoPath} from '../../../harness/util/paths.ts';

const ownLib = designs.filter(d => d.libFrom === 'set');

test('designs: mainline plus three out-of-tree designs, each with its own module set', t => {
	t.deepEqual(designs.map(d => d.name), ['mainline', 'weak', 'softdep', 'static-call']);
	for (const d of designs) {
		const set = moduleSets.find(s => s.name === d.moduleSet);
		t.truthy(set, d.name);
		t.true(set!.dirs.includes(`modules/${d.name}`), d.name);
		t.true(set!.dirs.includes('modules/driver'), d.name);
	}
	t.is(design('softdep'), designs[2]!);
	t.throws(() => design('symbol-get'), {instanceOf: UsageError, message: /designs: mainline, weak, softdep, static-call/});
});

test('each out-of-tree design builds the three modules under the in-tree names and labels its driver', async t => {
	for (const d of ownLib) {
		const kbuild = await readFile(repoPath('modules', d.name, 'Kbuild'), 'utf8');
		for (const file of ['libcurve25519.o', 'curve25519-neon.o', 'kplug-x25519.o']) t.true(kbuild.includes(`obj-m += ${file}`), `${d.name}: ${file}`);
		t.true(kbuild.includes(`-DKPLUG_DESIGN_LABEL='"${d.name}"'`), d.name);
		t.regex(kbuild, /libcurve25519-y := \S+ curve25519-selftest-kplug\.o/, `${d.name}: the kernel's self-test at init`);
		const set = moduleSets.find(s => s.name === d.moduleSet)!;
		t.true(set.dirs.includes('modules/common'), d.name);
		// The NEON core from wherever the kernel keeps it; the self-test where there is one; on a kernel without an
		// in-tree generic module, the generic implementation for kplug's own (the make variables say which).
		t.deepEqual(set.fromKernel.map(i => [i.as, ...i.from]), [
			['curve25519-core.S', 'arch/arm/crypto/curve25519-core.S', 'lib/crypto/arm/curve25519-core.S'],
			['curve25519-selftest.c', 'lib/crypto/curve25519-selftest.c'],
			['curve25519-fiat32.c', 'lib/crypto/curve25519-fiat32.c'],
		], d.name);
		t.true(kbuild.includes('include $(src)/curve25519-kernel-inputs.mk'), d.name);
	}
	t.deepEqual(Object.values(moduleNames), ['libcurve25519', 'libcurve25519_generic', 'curve25519_neon', 'kplug_x25519']);
});

// What makes each design what it is, in its source: the way the library reaches the arch code.
test('softdep: no link-time reference to the arch hooks, a per-call symbol_get, a pre softdep, GPL exports', async t => {
	const lib = await readFile(repoPath('modules/softdep/curve25519-softdep-lib.c'), 'utf8');
	const code = lib.replace(/\/\*[\s\S]*?\*\//g, '').replace(/"[^"\n]*"/g, '""');
	t.regex(code, /symbol_get\(curve25519_arch\)/);
	t.regex(code, /symbol_put\(curve25519_arch\)/);
	// Every mention of curve25519_arch in code is inside symbol_get/symbol_put or typeof: no call by name.
	for (const line of code.split('\n').filter(l => /\bcurve25519_arch\b/.test(l))) t.regex(line, /symbol_(get|put)\(curve25519_arch\)|typeof\(&curve25519_arch\)/, line);
	t.regex(lib, /MODULE_SOFTDEP\("pre: curve25519-neon"\)/);
	t.regex(await readFile(repoPath('modules/softdep/Kbuild'), 'utf8'), /-DKPLUG_ARCH_EXPORT_GPL/);
});

test('static-call: the library owns and exports the call, the arch module retargets and restores it', async t => {
	const lib = await readFile(repoPath('modules/static-call/curve25519-static-call-lib.c'), 'utf8');
	t.regex(lib, /DEFINE_STATIC_CALL\(curve25519_impl, curve25519_impl_none\);/);
	t.regex(lib, /EXPORT_STATIC_CALL_GPL\(curve25519_impl\);/);
	t.regex(lib, /static_call\(curve25519_impl\)\(/);
	t.regex(lib, /MODULE_SOFTDEP\("post: curve25519-neon"\)/);
	const glue = await readFile(repoPath('modules/common/curve25519-neon-glue.c'), 'utf8');
	t.regex(glue, /static_call_update\(curve25519_impl, curve25519_arch\);/);
	t.regex(glue, /static_call_update\(curve25519_impl, curve25519_impl_none\);/);
	t.regex(await readFile(repoPath('modules/static-call/Kbuild'), 'utf8'), /-DKPLUG_ARCH_STATIC_CALL/);
});

test('no design folder is left without a design object', async t => {
	const folders = (await readdir(repoPath('modules'), {withFileTypes: true})).filter(e => e.isDirectory()).map(e => e.name).sort();
	t.deepEqual(folders, ['common', 'driver', 'faults', 'mainline', 'softdep', 'static-call', 'weak']);
	// faults/ holds the fault-injection test module (a module whose init never returns), not a design.
	for (const name of folders.filter(f => !['common', 'driver', 'faults'].includes(f))) t.notThrows(() => design(name), name);
});

test('each design says in which order its modules insmod: static-call needs the library before the arch module', t => {
	for (const d of designs) t.deepEqual([...d.loadOrder].sort(), ['arch', 'driver', 'generic', 'lib'], d.name);
	const before = (name: string, a: string, b: string): boolean => design(name).loadOrder.indexOf(a as never) < design(name).loadOrder.indexOf(b as never);
	t.true(before('static-call', 'lib', 'arch'));
	for (const name of ['mainline', 'weak', 'softdep']) t.true(before(name, 'arch', 'lib'), name);
});

// Roles per kernel: mainline on a kernel that links the NEON core into the library (7.x) has no arch and no generic
// module; the out-of-tree designs keep theirs on every kernel.
test('designRoles/archHome: mainline@7.3 is consolidated (library and driver only, arch code in libcurve25519); every other pair keeps all four roles', t => {
	for (const k of kernels) {
		for (const d of designs) {
			const consolidated = d.name === 'mainline' && k.id === '7.3';
			t.deepEqual(archHome(d, k), {module: consolidated ? 'libcurve25519' : 'curve25519_neon', consolidated}, `${d.name}@${k.id}`);
			t.deepEqual(designRoles(d, k), consolidated ? ['lib', 'driver'] : ['lib', 'generic', 'arch', 'driver'], `${d.name}@${k.id}`);
		}
	}
	t.regex(missingRoleReason(design('mainline'), '7.3', 'arch'), /^mainline on 7\.3 has no arch module: .*libcurve25519$/);
});

test('designModuleFiles: the consolidated design lists only the in-tree library and its driver; a split kernel gives every role', t => {
	const set = (name: string) => ({set: name, key: 'k', dir: `/m/${name}`, modules: {'kplug-x25519.ko': `/m/${name}/kplug-x25519.ko`, 'libcurve25519.ko': `/m/${name}/libcurve25519.ko`, 'curve25519-neon.ko': `/m/${name}/curve25519-neon.ko`, 'libcurve25519-generic.ko': `/m/${name}/libcurve25519-generic.ko`}});
	const build = (kernel: string) => ({
		profile: 'thumb2',
		kernel: {kernel, inTreeModules: Object.fromEntries(Object.entries(kernelDef(kernel).inTreeModules).map(([r, p]) => [r, `/k/${p}`]))},
		sets: {mainline: set('mainline'), weak: set('weak')},
	}) as unknown as ProfileBuild;
	t.deepEqual(designModuleFiles(build('7.3'), design('mainline')), {lib: '/k/lib/crypto/libcurve25519.ko', driver: '/m/mainline/kplug-x25519.ko'});
	t.deepEqual(Object.keys(designModuleFiles(build('6.1'), design('mainline'))).sort(), ['arch', 'driver', 'generic', 'lib']);
	t.deepEqual(designModuleFiles(build('7.3'), design('weak')), {lib: '/m/weak/libcurve25519.ko', driver: '/m/weak/kplug-x25519.ko', generic: '/m/weak/libcurve25519-generic.ko', arch: '/m/weak/curve25519-neon.ko'});
	t.deepEqual(Object.keys(imageModules(build('7.3'), design('mainline'), true)), ['libcurve25519.ko', 'kplug-x25519.ko']);
});

test('mainline\'s set stages the tree\'s fiat32 only where the kernel exports no generic code, for the driver\'s own GENERIC mode', async t => {
	const set = moduleSets.find(s => s.name === 'mainline')!;
	t.deepEqual(set.fromKernel, [{as: 'curve25519-fiat32.c', from: ['lib/crypto/curve25519-fiat32.c'], onlyWithoutInTree: {role: 'generic', makeVar: 'KPLUG_REFERENCE_GENERIC'}}]);
	const kbuild = await readFile(repoPath('modules/mainline/Kbuild'), 'utf8');
	t.regex(kbuild, /ifeq \(\$\(KPLUG_REFERENCE_GENERIC\),y\)\nCFLAGS_kplug-x25519\.o \+= -DKPLUG_REFERENCE_GENERIC -Dcurve25519_generic=kplug_reference_generic/);
	const driver = await readFile(repoPath('modules/driver/kplug-x25519.c'), 'utf8');
	t.regex(driver, /#ifdef KPLUG_REFERENCE_GENERIC[\s\S]*#include "curve25519-fiat32\.c"/);
	t.regex(driver, /IS_ENABLED\(CONFIG_CRYPTO_LIB_CURVE25519_ARCH\)/, '7.x spells the arch option its own way');
});
