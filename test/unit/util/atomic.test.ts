import {execa} from 'execa';
import {mkdir, readdir, readFile, rm, truncate, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import test from 'ava';
import {forgetCheckedEntries, isPublished, publishAtomically, writeFileAtomic} from '../../../harness/util/atomic.ts';
import {repoPath} from '../../../harness/util/paths.ts';
import {tempDir} from '../../_temp.ts';

test('publishAtomically publishes the filled folder on success, with the completion marker', async t => {
	const root = await tempDir(t, 'atomic');
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
	const root = await tempDir(t, 'atomic');
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

test('a publish over a sound entry does not build again (a failing build is never even started)', async t => {
	const root = await tempDir(t, 'atomic');
	const dir = join(root, 'out');
	await publishAtomically(dir, tmp => writeFile(join(tmp, 'v'), '1'));
	let started = false;
	await t.notThrowsAsync(
		publishAtomically(dir, async tmp => {
			started = true;
			await writeFile(join(tmp, 'v'), '2');
			throw new Error('nope');
		}),
	);
	t.false(started);
	t.true(await isPublished(dir));
	t.is(await readFile(join(dir, 'v'), 'utf8'), '1');
	t.deepEqual(await readdir(root), ['out'], 'no temp folder, no lock left');
});

test('a failed build publishes nothing and leaves no lock', async t => {
	const root = await tempDir(t, 'atomic');
	const dir = join(root, 'out');
	await t.throwsAsync(publishAtomically(dir, async tmp => {
		await writeFile(join(tmp, 'v'), '2');
		throw new Error('nope');
	}), {message: 'nope'});
	t.false(await isPublished(dir));
	t.deepEqual(await readdir(root), []);
});

test('publishing again replaces an incomplete folder left by a crash', async t => {
	const root = await tempDir(t, 'atomic');
	const dir = join(root, 'out');
	await mkdir(dir);
	await writeFile(join(dir, 'stale'), 'from a killed run');
	await publishAtomically(dir, tmp => writeFile(join(tmp, 'fresh'), 'ok'));
	t.true(await isPublished(dir));
	t.deepEqual((await readdir(dir)).sort(), ['.kplug-complete', 'fresh']);
});

test('an existing folder without the marker is not published; a missing one neither', async t => {
	const root = await tempDir(t, 'atomic');
	const dir = join(root, 'incomplete');
	await mkdir(dir);
	await writeFile(join(dir, 'zImage'), 'half');
	t.false(await isPublished(dir));
	t.false(await isPublished(join(root, 'absent')));
});

test('writeFileAtomic writes the whole content, creating parents, and leaves no temp file', async t => {
	const root = await tempDir(t, 'atomic');
	const path = join(root, 'a', 'b', 'memo.json');
	await writeFileAtomic(path, '{"v":1}\n');
	await writeFileAtomic(path, new Uint8Array([0x7b, 0x7d]));
	t.is(await readFile(path, 'utf8'), '{}');
	t.deepEqual(await readdir(join(root, 'a', 'b')), ['memo.json']);
});

// Cache integrity: manifests, damage, concurrent publishers. Serial: these forget the per-process checks.

function recorder(): {lines: string[]; progress: {info(line: string): void}} {
	const lines: string[] = [];
	return {lines, progress: {info: line => lines.push(line)}};
}

async function publishKernel(dir: string, zImage: Buffer | string): Promise<void> {
	await publishAtomically(dir, async tmp => {
		await mkdir(join(tmp, 'arch'));
		await writeFile(join(tmp, 'arch', 'zImage'), zImage);
		await writeFile(join(tmp, 'build.log'), 'not in the manifest');
	}, {files: ['arch/zImage', 'not-built.ko']});
}

const zImage = Buffer.from(Array.from({length: 4096}, (_, i) => (i * 7) & 0xff));

const damage = test.macro<[(path: string) => Promise<void>, RegExp]>({
	async exec(t, corrupt, why) {
		const root = await tempDir(t, 'atomic');
		const dir = join(root, 'kernel', 'thumb2-abc');
		await publishKernel(dir, zImage);
		await corrupt(join(dir, 'arch', 'zImage'));
		forgetCheckedEntries();
		const {lines, progress} = recorder();
		t.false(await isPublished(dir, {progress}), 'a damaged entry is not published');
		t.is(lines.length, 1, 'reported in one line');
		t.regex(lines[0]!, new RegExp(`^cache entry ${dir} is damaged \\(arch/zImage ${why.source}.*\\); rebuilding it$`));
		t.deepEqual(await readdir(join(root, 'kernel')), [], 'moved aside and removed, so it can be rebuilt');
		await publishKernel(dir, zImage);
		t.true(await isPublished(dir, {progress}));
		t.deepEqual(await readFile(join(dir, 'arch', 'zImage')), zImage);
		t.is(lines.length, 1);
	},
	title: provided => `isPublished detects ${provided}, reports it once and lets it be rebuilt`,
});

test.serial('a truncated file', damage, path => truncate(path, 1000), /has 1000 bytes, 4096 when published/);
test.serial('a same-size flipped byte', damage, async path => {
	const bytes = await readFile(path);
	bytes[2049] = bytes[2049]! ^ 0x01;
	await writeFile(path, bytes);
}, /differs from what was published \(same size/);
test.serial('a missing file', damage, path => rm(path), /is missing/);

test.serial('the marker holds the manifest of the listed files that exist', async t => {
	const dir = join(await tempDir(t, 'atomic'), 'k');
	await publishKernel(dir, zImage);
	const manifest = JSON.parse(await readFile(join(dir, '.kplug-complete'), 'utf8')) as {files: Record<string, {size: number; sha256: string}>};
	t.deepEqual(Object.keys(manifest.files), ['arch/zImage']);
	t.is(manifest.files['arch/zImage']!.size, 4096);
	t.regex(manifest.files['arch/zImage']!.sha256, /^[0-9a-f]{64}$/);
});

test.serial('an entry is checked once per process, not on every use', async t => {
	const dir = join(await tempDir(t, 'atomic'), 'k');
	await publishKernel(dir, zImage);
	forgetCheckedEntries();
	t.true(await isPublished(dir));
	// Damage after the first check is not looked for again in this process (the next process finds it).
	await truncate(join(dir, 'arch', 'zImage'), 10);
	t.true(await isPublished(dir));
	forgetCheckedEntries();
	const {lines, progress} = recorder();
	t.false(await isPublished(dir, {progress}));
	t.is(lines.length, 1);
});

test.serial('an entry published before manifests is adopted: its files are recorded, later damage is found', async t => {
	const dir = join(await tempDir(t, 'atomic'), 'k');
	await mkdir(join(dir, 'arch'), {recursive: true});
	await writeFile(join(dir, 'arch', 'zImage'), zImage);
	await writeFile(join(dir, '.kplug-complete'), '2026-11-01T00:00:00.000Z\n');
	forgetCheckedEntries();
	t.true(await isPublished(dir, {files: ['arch/zImage']}));
	t.regex(await readFile(join(dir, '.kplug-complete'), 'utf8'), /"arch\/zImage"/);
	await truncate(join(dir, 'arch', 'zImage'), 5);
	forgetCheckedEntries();
	t.false(await isPublished(dir, {files: ['arch/zImage'], progress: recorder().progress}));
});

// The build lock: of six concurrent publishes of one key, one builds; the others wait, then find it published.
test.serial('concurrent publishes of one key all succeed, and only one of them builds; no temp folder or lock is left', async t => {
	const root = await tempDir(t, 'atomic');
	const dir = join(root, 'kernel', 'thumb2-abc');
	let fills = 0;
	const publishers = Array.from({length: 6}, (_, i) =>
		publishAtomically(dir, async tmp => {
			fills++;
			await new Promise(resolve => setTimeout(resolve, 300));
			await writeFile(join(tmp, 'zImage'), `kernel from publisher ${i}`.padEnd(64, '.'));
		}, {files: ['zImage'], progress: recorder().progress}),
	);
	const results = await Promise.allSettled(publishers);
	t.deepEqual(results.map(r => r.status), Array(6).fill('fulfilled'));
	t.is(fills, 1, 'one build');
	t.deepEqual(await readdir(join(root, 'kernel')), ['thumb2-abc']);
	t.regex(await readFile(join(dir, 'zImage'), 'utf8'), /^kernel from publisher \d\.+$/);
	forgetCheckedEntries();
	t.true(await isPublished(dir, {files: ['zImage']}));
});

test.serial('a build lock left by a process that died is taken over', async t => {
	const root = await tempDir(t, 'atomic');
	const dir = join(root, 'kernel', 'arm-def');
	await mkdir(join(root, 'kernel'), {recursive: true});
	// A pid no process has (above pid_max's default), started a minute ago.
	await writeFile(`${dir}.lock`, `4194999 ${Date.now() - 60_000} 1`);
	let fills = 0;
	await publishAtomically(dir, async tmp => {
		fills++;
		await writeFile(join(tmp, 'zImage'), 'kernel');
	}, {files: ['zImage']});
	t.is(fills, 1);
	t.deepEqual(await readdir(join(root, 'kernel')), ['arm-def']);
});

test.serial('a live holder is waited for, and named once', async t => {
	const root = await tempDir(t, 'atomic');
	const dir = join(root, 'kernel', 'noplts');
	await mkdir(join(root, 'kernel'), {recursive: true});
	// Held by a live process (our parent), as if another kplug were building this key.
	await writeFile(`${dir}.lock`, `${process.ppid} ${Date.now()} 1`);
	const {lines, progress} = recorder();
	let done = false;
	const publish = publishAtomically(dir, async tmp => writeFile(join(tmp, 'zImage'), 'kernel'), {files: ['zImage'], progress}).then(() => (done = true));
	await new Promise(resolve => setTimeout(resolve, 600));
	t.false(done, 'still waiting while the holder lives and holds the lock');
	t.deepEqual(lines, [`waiting for kplug process ${process.ppid}, which is building ${dir}`]);
	await rm(`${dir}.lock`);
	await publish;
	t.true(done);
});

test.serial('a later publish never replaces a sound entry published by someone else', async t => {
	const dir = join(await tempDir(t, 'atomic'), 'k');
	await publishKernel(dir, zImage);
	forgetCheckedEntries();
	await publishKernel(dir, 'another build');
	t.deepEqual(await readFile(join(dir, 'arch', 'zImage')), zImage);
});

test.serial('separate processes publishing one key at once all succeed; one builds, the others wait for it', async t => {
	const root = await tempDir(t, 'atomic');
	const dir = join(root, 'kernel', 'thumb2-abc');
	const script = `
		import {publishAtomically} from ${JSON.stringify(repoPath('harness/util/atomic.ts'))};
		import {writeFile} from 'node:fs/promises';
		import {join} from 'node:path';
		const at = Number(process.argv[1]);
		await publishAtomically(${JSON.stringify(dir)}, async tmp => {
			await writeFile(join(tmp, 'zImage'), 'kernel from ' + process.pid);
			await new Promise(resolve => setTimeout(resolve, Math.max(0, at - Date.now())));
		}, {files: ['zImage']});
	`;
	// All processes rename at the same wall-clock moment, after their (slow) start-up.
	const at = Date.now() + 6000;
	const runs = await Promise.all([1, 2, 3].map(() => execa('node', ['--import=tsx', '--input-type=module', '-e', script, String(at)], {reject: false})));
	t.deepEqual(runs.map(r => r.exitCode), [0, 0, 0], runs.map(r => r.stderr).join('\n'));
	// The builder says nothing; each of the others says once whom it waits for.
	const waits = runs.map(r => r.stderr.trim()).filter(Boolean);
	t.true(waits.length <= 2, waits.join('\n'));
	for (const line of waits) t.regex(line, /^\[kplug\] waiting for kplug process \d+, which is building .*\/kernel\/thumb2-abc$/);
	t.deepEqual(await readdir(join(root, 'kernel')), ['thumb2-abc']);
	t.regex(await readFile(join(dir, 'zImage'), 'utf8'), /^kernel from \d+$/);
});
