// An image's key and staging per userland: the default userland's keys are what they were before userlands existed;
// another userland, or a change to its guest depmod, is another image. Merged /usr links /bin, /sbin and /lib.
import {mkdir, readdir, readFile, readlink, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import test from 'ava';
import {imageKeyParts, mergeUsr, type ImageSpec} from '../../../harness/image/image.ts';
import {userlandDef} from '../../../harness/setup/userlands.ts';
import {KplugError} from '../../../harness/util/errors.ts';
import {cacheKey} from '../../../harness/util/hash.ts';
import {tempDir, type Teardown} from '../../_temp.ts';

async function spec(t: Teardown): Promise<ImageSpec> {
	const dir = await tempDir(t, 'imagekey');
	await writeFile(join(dir, 'System.map'), '00000000 T _text\n');
	await writeFile(join(dir, 'lib.ko'), 'module');
	return {label: 'thumb2-weak', release: '6.1.176', systemMap: join(dir, 'System.map'), kernelDir: dir, debs: {kmod: '/d/kmod_30_armhf.deb'}, modules: {'lib.ko': join(dir, 'lib.ko')}, userland: userlandDef('bookworm')};
}

const depmod = (recipe: string) => ({recipe, run: async () => ({files: {}, warnings: ''})});

test('image key: the default userland adds no part (keys as before); trixie and its depmod recipe do', async t => {
	const bookworm = await spec(t);
	const parts = await imageKeyParts(bookworm, 'agent');
	t.deepEqual(Object.keys(parts).sort(), ['agent', 'applets', 'debs', 'init', 'module:lib.ko', 'recipe', 'release', 'systemMap']);
	const trixie = {...bookworm, userland: userlandDef('trixie'), guestDepmod: depmod('aaaa')};
	const trixieParts = await imageKeyParts(trixie, 'agent');
	t.regex(trixieParts['userland'] ?? '', /^trixie staging:\d+ depmod:guest:aaaa merged-usr$/);
	t.not(cacheKey(trixieParts), cacheKey(parts));
	t.not(cacheKey(await imageKeyParts({...trixie, guestDepmod: depmod('bbbb')}, 'agent')), cacheKey(trixieParts), 'another guest depmod script, another image');
});

test('mergeUsr: top-level folders move into /usr and become links; a name in both is one clear error', async t => {
	const root = await tempDir(t, 'mergeusr');
	await mkdir(join(root, 'usr/bin'), {recursive: true});
	await writeFile(join(root, 'usr/bin/busybox'), 'bb');
	await mkdir(join(root, 'sbin'));
	await writeFile(join(root, 'sbin/old-tool'), 'x');
	await mergeUsr(root);
	for (const d of ['bin', 'sbin', 'lib']) t.is(await readlink(join(root, d)), `usr/${d}`);
	t.is(await readFile(join(root, 'sbin/old-tool'), 'utf8'), 'x', 'reachable through the link');
	t.deepEqual(await readdir(join(root, 'usr/sbin')), ['old-tool']);
	await t.notThrowsAsync(mergeUsr(root), 'already merged: nothing to do');
	const clash = await tempDir(t, 'mergeusr');
	await mkdir(join(clash, 'usr/bin'), {recursive: true});
	await mkdir(join(clash, 'bin'));
	await writeFile(join(clash, 'usr/bin/sh'), 'a');
	await writeFile(join(clash, 'bin/sh'), 'b');
	await t.throwsAsync(mergeUsr(clash), {instanceOf: KplugError, message: 'merged /usr: /bin/sh and /usr/bin/sh both exist in the unpacked packages'});
});
