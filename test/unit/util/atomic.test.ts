import {mkdtemp, mkdir, readdir, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import test from 'ava';
import {isPublished, publishAtomically, writeFileAtomic} from '../../../harness/util/atomic.ts';

async function scratch(t: {teardown(fn: () => Promise<void>): void}): Promise<string> {
	const dir = await mkdtemp(join(tmpdir(), 'kplug-atomic-'));
	t.teardown(() => rm(dir, {recursive: true, force: true}));
	return dir;
}

test('publishAtomically publishes the filled folder on success, with the completion marker', async t => {
	const root = await scratch(t);
	const dir = join(root, 'kernel', 'thumb2-abc');
	let seenTmp = '';
	await publishAtomically(dir, async tmp => {
		seenTmp = tmp;
		t.not(tmp, dir);
		t.false(await isPublished(tmp));
		await mkdir(join(tmp, 'arch'));
		await writeFile(join(tmp, 'arch', 'zImage'), 'kernel');
	});
	t.true(await isPublished(dir));
	t.is(await readFile(join(dir, 'arch', 'zImage'), 'utf8'), 'kernel');
	// Only the published folder remains: the temp sibling was renamed, not copied.
	t.deepEqual(await readdir(join(root, 'kernel')), ['thumb2-abc']);
	t.true(seenTmp.startsWith(dir));
});

test('publishAtomically leaves nothing (no folder, no temp) when fill throws, and rethrows', async t => {
	const root = await scratch(t);
	const dir = join(root, 'kernel', 'thumb2-abc');
	const error = await t.throwsAsync(
		publishAtomically(dir, async tmp => {
			await writeFile(join(tmp, 'half-built.o'), 'x');
			throw new Error('make failed');
		}),
	);
	t.is(error?.message, 'make failed');
	t.false(await isPublished(dir));
	t.deepEqual(await readdir(join(root, 'kernel')), []);
});

test('a failed publish keeps an earlier published folder intact', async t => {
	const root = await scratch(t);
	const dir = join(root, 'out');
	await publishAtomically(dir, tmp => writeFile(join(tmp, 'v'), '1'));
	await t.throwsAsync(
		publishAtomically(dir, async tmp => {
			await writeFile(join(tmp, 'v'), '2');
			throw new Error('nope');
		}),
	);
	t.true(await isPublished(dir));
	t.is(await readFile(join(dir, 'v'), 'utf8'), '1');
	t.deepEqual(await readdir(root), ['out']);
});

test('publishing again replaces an incomplete folder left by a crash', async t => {
	const root = await scratch(t);
	const dir = join(root, 'out');
	await mkdir(dir);
	await writeFile(join(dir, 'stale'), 'from a killed run');
	await publishAtomically(dir, tmp => writeFile(join(tmp, 'fresh'), 'ok'));
	t.true(await isPublished(dir));
	t.deepEqual((await readdir(dir)).sort(), ['.kplug-complete', 'fresh']);
});

test('an existing folder without the marker is not published; a missing one neither', async t => {
	const root = await scratch(t);
	const dir = join(root, 'incomplete');
	await mkdir(dir);
	await writeFile(join(dir, 'zImage'), 'half');
	t.false(await isPublished(dir));
	t.false(await isPublished(join(root, 'absent')));
});

test('writeFileAtomic writes the whole content, creating parents, and leaves no temp file', async t => {
	const root = await scratch(t);
	const path = join(root, 'a', 'b', 'memo.json');
	await writeFileAtomic(path, '{"v":1}\n');
	await writeFileAtomic(path, new Uint8Array([0x7b, 0x7d]));
	t.is(await readFile(path, 'utf8'), '{}');
	t.deepEqual(await readdir(join(root, 'a', 'b')), ['memo.json']);
});
