import {mkdir, writeFile} from 'node:fs/promises';
import {dirname, join, relative} from 'node:path';
import test, {type ExecutionContext} from 'ava';
import {moduleSets, resolveKernelInputs, stagingDir} from '../../../harness/build/module-sets.ts';
import type {KernelSource} from '../../../harness/build/source.ts';
import {tempDir} from '../../_temp.ts';

// ccache (CCACHE_BASEDIR = the cache) hashes the M= folder's path relative to the kernel folder: it must not change
// from one build of a set to the next, or every object misses.
test('stagingDir: one fixed folder per profile and set under the cache, the same on every call', t => {
	t.is(stagingDir('/c', 'thumb2', 'weak'), '/c/modules/.staging/thumb2-weak');
	t.is(stagingDir('/c', 'thumb2', 'weak'), stagingDir('/c', 'thumb2', 'weak'));
	t.not(stagingDir('/c', 'thumb2', 'weak'), stagingDir('/c', 'thumb2-noplts', 'weak'));
	t.not(stagingDir('/c', 'thumb2', 'weak'), stagingDir('/c', 'thumb2', 'softdep'));
});

// What a set takes from a kernel tree, on trees shaped like 6.x's and 7.x's (files written to a temp folder).
async function tree(t: ExecutionContext, files: string[]): Promise<string> {
	const dir = await tempDir(t, 'tree');
	for (const f of files) {
		await mkdir(join(dir, dirname(f)), {recursive: true});
		await writeFile(join(dir, f), `/* ${f} */\n`);
	}
	return dir;
}
const source = (kernel: string, dir: string): KernelSource => ({kernel, package: `linux-source-${kernel}`, packageVersion: '1', tarballSha256: 'x', dir});
const weakSet = moduleSets.find(s => s.name === 'weak')!;

test('resolveKernelInputs on a 6.x tree: the NEON core from arch/arm/crypto, the self-test, no own generic (6.x builds one)', async t => {
	const dir = await tree(t, ['arch/arm/crypto/curve25519-core.S', 'lib/crypto/curve25519-selftest.c', 'lib/crypto/curve25519-fiat32.c']);
	const got = await resolveKernelInputs(weakSet, source('6.12', dir));
	t.deepEqual(got.staged.map(s => [s.as, relative(dir, s.path)]), [['curve25519-core.S', 'arch/arm/crypto/curve25519-core.S'], ['curve25519-selftest.c', 'lib/crypto/curve25519-selftest.c']]);
	t.deepEqual(got.makeVars, ['KPLUG_SELFTEST=y']);
	t.deepEqual(got.lacking, []);
});

test('resolveKernelInputs on a 7.x tree: the NEON core from lib/crypto/arm, no self-test (make is told), the generic code for kplug\'s own module', async t => {
	const dir = await tree(t, ['lib/crypto/arm/curve25519-core.S', 'lib/crypto/curve25519-fiat32.c']);
	const got = await resolveKernelInputs(weakSet, source('7.3', dir));
	t.deepEqual(got.staged.map(s => [s.as, relative(dir, s.path)]), [['curve25519-core.S', 'lib/crypto/arm/curve25519-core.S'], ['curve25519-fiat32.c', 'lib/crypto/curve25519-fiat32.c']]);
	t.deepEqual(got.makeVars, ['KPLUG_SELFTEST=n', 'KPLUG_OWN_GENERIC=y']);
	t.deepEqual(got.lacking, []);
});

test('resolveKernelInputs: a required file in none of its places is lacking (the set does not build: one line)', async t => {
	const dir = await tree(t, ['lib/crypto/curve25519-selftest.c']);
	const got = await resolveKernelInputs(weakSet, source('6.1', dir));
	t.deepEqual(got.lacking, ['arch/arm/crypto/curve25519-core.S or lib/crypto/arm/curve25519-core.S']);
});
