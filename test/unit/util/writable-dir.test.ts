import {execa} from 'execa';
import {chmod, mkdir, readdir, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import test from 'ava';
import {UsageError} from '../../../harness/util/errors.ts';
import {checkWritableDir} from '../../../harness/util/writable-dir.ts';
import {tempDir} from '../../_temp.ts';

const refused = test.macro<[(dir: string) => Promise<string>, RegExp]>({
	async exec(t, place, message) {
		const path = await place(await tempDir(t, 'wdir'));
		const error = await t.throwsAsync(checkWritableDir(path, '--out'), {instanceOf: UsageError});
		t.true(error?.message.startsWith(`--out ${path}: `), error?.message);
		t.regex(error?.message ?? '', message);
		t.false(error?.message.includes('\n'), 'one line');
	},
	title: provided => `checkWritableDir refuses ${provided}`,
});

test('a regular file', refused, async dir => {
	await writeFile(join(dir, 'package.json'), '{}');
	return join(dir, 'package.json');
}, /: is a file, not a folder$/);

test('a path under a regular file', refused, async dir => {
	await writeFile(join(dir, 'f'), '');
	return join(dir, 'f', 'a', 'b');
}, /: .*\/f is a file, not a folder$/);

test('a folder to be created on /proc (Node\'s recursive mkdir loops there)', refused, async () => '/proc/forbidden/deeper', /is on \/proc/);
test('a folder on /sys', refused, async () => '/sys/kernel/kplug-out', /is on \/sys/);
test('a folder on /dev', refused, async () => '/dev/kplug-out', /is on \/dev/);

test('checkWritableDir accepts an existing folder and a folder to be created, and leaves nothing behind', async t => {
	const dir = await tempDir(t, 'wdir');
	await checkWritableDir(dir, '--out');
	await checkWritableDir(join(dir, 'runs', 'deep'), '--cache');
	t.deepEqual(await readdir(dir), [], 'no probe file, no created folder');
});

// Root writes through permissions, so as root "cannot write" is a read-only bind mount of a scratch folder;
// as anyone else a folder without write permission.
async function readOnly(t: {teardown(fn: () => Promise<void>): void}, dir: string): Promise<string> {
	if (process.getuid?.() !== 0) {
		await chmod(dir, 0o555);
		t.teardown(() => chmod(dir, 0o755));
		return 'EACCES';
	}
	await execa('mount', ['--bind', '-o', 'ro', dir, dir]);
	t.teardown(async () => {
		await execa('umount', [dir], {reject: false});
	});
	return 'read-only filesystem';
}

test.serial('checkWritableDir refuses a folder it cannot write, and a folder to be created under it', async t => {
	const ro = join(await tempDir(t, 'wdir'), 'ro');
	await mkdir(ro);
	const why = await readOnly(t, ro);
	await t.throwsAsync(checkWritableDir(ro, '--cache'), {instanceOf: UsageError, message: `--cache ${ro}: is not writable (${why})`});
	await t.throwsAsync(checkWritableDir(join(ro, 'kplug'), '--cache'), {instanceOf: UsageError, message: `--cache ${join(ro, 'kplug')}: ${ro} is not writable (${why})`});
});
