import {mkdir, rename, utimes, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import test from 'ava';
import {kernelKeyParts} from '../../../harness/build/kernel.ts';
import type {KernelSource} from '../../../harness/build/source.ts';
import {cacheKey, hashTree, sha256} from '../../../harness/util/hash.ts';
import {tempDir, type Teardown} from '../../_temp.ts';

const source: KernelSource = {
	kernel: '6.1',
	package: 'linux-source-6.1',
	packageVersion: '6.1.153-1',
	tarballSha256: sha256('linux-source-6.1.tar.xz'),
	dir: '/cache/src/linux-6.1.153-1-abcdef012345',
};
const fragmentText = 'CONFIG_MMU=y\nCONFIG_THUMB2_KERNEL=y\nCONFIG_ARM_MODULE_PLTS=y\n';
const toolchain = 'arm-linux-gnueabihf-gcc (Debian 12.2.0-14) 12.2.0';
const baseParts = kernelKeyParts(source, fragmentText, toolchain);
const baseKey = cacheKey(baseParts);

test('cacheKey is a short hex string, the same for the same parts', t => {
	t.regex(baseKey, /^[0-9a-f]{20}$/);
	t.is(cacheKey({...baseParts}), baseKey);
	t.is(cacheKey(kernelKeyParts({...source}, fragmentText, toolchain)), baseKey);
});

test('cacheKey is stable under key order', t => {
	const reversed = Object.fromEntries(Object.entries(baseParts).reverse());
	t.notDeepEqual(Object.keys(reversed), Object.keys(baseParts));
	t.is(cacheKey(reversed), baseKey);
	t.is(cacheKey({b: '2', a: '1'}), cacheKey({a: '1', b: '2'}));
});

test('cacheKey keeps names and values apart', t => {
	t.not(cacheKey({a: 'bc'}), cacheKey({ab: 'c'}));
	t.not(cacheKey({a: '1', b: '2'}), cacheKey({a: '2', b: '1'}));
	t.not(cacheKey({a: ''}), cacheKey({}));
});

test('kernelKeyParts names every input of the build, and nothing path-dependent', t => {
	t.deepEqual(Object.keys(baseParts).sort(), ['fragment', 'recipe', 'sourceSha256', 'sourceVersion', 'toolchain']);
	t.false(Object.values(baseParts).includes(source.dir));
});

type Change = (s: KernelSource, fragment: string, toolchain: string) => [KernelSource, string, string];

const changesKey = test.macro<[string, Change]>({
	exec(t, part: string, change: Change) {
		const parts = kernelKeyParts(...change(source, fragmentText, toolchain));
		// Exactly the one named part differs...
		const differing = Object.keys(baseParts).filter(name => parts[name] !== baseParts[name]);
		t.deepEqual(differing, [part]);
		// ...and the key changes with it.
		t.not(cacheKey(parts), baseKey);
	},
	title: (provided = '', part) => `${provided} changing ${part} changes the key`.trim(),
});

test(changesKey, 'sourceVersion', (s, f, tc) => [{...s, packageVersion: '6.1.153-2'}, f, tc]);
test(changesKey, 'sourceSha256', (s, f, tc) => [{...s, tarballSha256: sha256('another tarball')}, f, tc]);
test('(a value flipped):', changesKey, 'fragment', (s, f, tc) => [s, f.replace('CONFIG_ARM_MODULE_PLTS=y', '# CONFIG_ARM_MODULE_PLTS is not set'), tc]);
test('(a line added):', changesKey, 'fragment', (s, f, tc) => [s, f + 'CONFIG_KALLSYMS=y\n', tc]);
test(changesKey, 'toolchain', (s, f, tc) => [s, f, tc.replace('12.2.0-14', '12.2.0-15')]);

test('the extracted source folder is not part of the key (only what identifies the source is)', t => {
	t.is(cacheKey(kernelKeyParts({...source, dir: '/elsewhere/linux'}, fragmentText, toolchain)), baseKey);
});

async function tree(t: Teardown): Promise<string> {
	const dir = await tempDir(t, 'hash');
	await mkdir(join(dir, 'sub', 'deeper'), {recursive: true});
	await writeFile(join(dir, 'Makefile'), 'obj-m += curve25519-test.o\n');
	await writeFile(join(dir, 'sub', 'a.c'), 'int a;\n');
	await writeFile(join(dir, 'sub', 'deeper', 'b.h'), '#define B 1\n');
	return dir;
}

test('hashTree: same content gives the same hash, also in another folder', async t => {
	const one = await tree(t);
	const two = await tree(t);
	const h = await hashTree(one);
	t.regex(h, /^[0-9a-f]{64}$/);
	t.is(await hashTree(one), h);
	t.is(await hashTree(two), h);
});

test('hashTree changes when a file content changes', async t => {
	const dir = await tree(t);
	const before = await hashTree(dir);
	await writeFile(join(dir, 'sub', 'a.c'), 'int a = 1;\n');
	t.not(await hashTree(dir), before);
});

test('hashTree changes when a file name changes (same content)', async t => {
	const dir = await tree(t);
	const before = await hashTree(dir);
	await rename(join(dir, 'sub', 'a.c'), join(dir, 'sub', 'c.c'));
	t.not(await hashTree(dir), before);
});

test('hashTree changes when a file moves to another folder', async t => {
	const dir = await tree(t);
	const before = await hashTree(dir);
	await rename(join(dir, 'sub', 'deeper', 'b.h'), join(dir, 'sub', 'b.h'));
	t.not(await hashTree(dir), before);
});

test('hashTree changes when a file is added', async t => {
	const dir = await tree(t);
	const before = await hashTree(dir);
	await writeFile(join(dir, 'sub', 'empty.h'), '');
	t.not(await hashTree(dir), before);
});

test('hashTree does not change when only mtimes change', async t => {
	const dir = await tree(t);
	const before = await hashTree(dir);
	const past = new Date('2001-02-03T04:05:06Z');
	await utimes(join(dir, 'Makefile'), past, past);
	await utimes(join(dir, 'sub', 'a.c'), past, past);
	await utimes(join(dir, 'sub'), past, past);
	t.is(await hashTree(dir), before);
});
