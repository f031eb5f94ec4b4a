import {mkdir, readdir, stat, utimes, writeFile} from 'node:fs/promises';
import {homedir} from 'node:os';
import {join} from 'node:path';
import test from 'ava';
import {execa} from 'execa';
import {completionMarker, forgetCheckedEntries, isPublished, publishAtomically} from '../../../harness/util/atomic.ts';
import {cacheUsers, holdCacheLease, listCache, prune, pruneSelection} from '../../../harness/util/cache-entries.ts';
import {KplugError, UsageError} from '../../../harness/util/errors.ts';
import {repoPath} from '../../../harness/util/paths.ts';
import {tempDir} from '../../_temp.ts';

const day = 86_400_000;

// A published entry of `bytes` bytes, last used `daysAgo` days ago.
async function entry(cache: string, kind: string, name: string, bytes: number, daysAgo: number): Promise<string> {
	const dir = join(cache, kind, name);
	await publishAtomically(dir, tmp => writeFile(join(tmp, 'zImage'), Buffer.alloc(bytes)), {files: ['zImage']});
	const then = new Date(Date.now() - daysAgo * day);
	await utimes(join(dir, completionMarker), then, then);
	return dir;
}

// A folder (with a 500-byte file if named) last changed two hours ago.
async function old(dir: string, file?: string): Promise<string> {
	await mkdir(dir, {recursive: true});
	if (file) await writeFile(join(dir, file), Buffer.alloc(500));
	const then = new Date(Date.now() - 2 * 3_600_000);
	await utimes(dir, then, then);
	return dir;
}

// The pid of a process that has exited (nothing alive has it, barring reuse within the test).
async function deadPid(): Promise<number> {
	const child = execa('true');
	await child;
	return child.pid!;
}

test('listCache: each published entry with its size and last use; temporary folders by whether their process lives', async t => {
	const cache = await tempDir(t, 'cache');
	await entry(cache, 'kernel', 'thumb2-aaa', 3000, 40);
	await entry(cache, 'images', 'thumb2-weak-bbb', 1000, 2);
	const half = await old(join(cache, 'kernel', `thumb2-ccc.tmp-${await deadPid()}-x1`), 'half.o');
	await old(join(cache, 'kernel', `thumb2-ddd.tmp-${process.pid}-x2`));
	// A process that is gone, but whose folder changed a moment ago (another pid namespace, say): not yet a leftover.
	await mkdir(join(cache, 'kernel', `thumb2-eee.tmp-${await deadPid()}-x3`));
	// Not kplug's: no marker and not a temporary folder's name.
	await old(join(cache, 'kernel', 'my-notes'), 'notes.txt');
	await mkdir(join(cache, 'modules', '.staging'), {recursive: true});
	const list = await listCache(cache);
	t.deepEqual(list.map(e => [e.kind, e.name.replace(/\.tmp-\d+-/, '.tmp-PID-'), e.state]), [
		['kernel', 'my-notes', 'unknown'],
		['kernel', 'thumb2-aaa', 'entry'],
		['kernel', 'thumb2-ccc.tmp-PID-x1', 'leftover'],
		['kernel', 'thumb2-ddd.tmp-PID-x2', 'building'],
		['kernel', 'thumb2-eee.tmp-PID-x3', 'building'],
		['images', 'thumb2-weak-bbb', 'entry'],
	]);
	t.true(half.length > 0);
	// The file's bytes plus the marker holding its manifest.
	const aaa = list.find(e => e.name === 'thumb2-aaa')!;
	t.true(aaa.bytes > 3000 && aaa.bytes < 3000 + 1000, String(aaa.bytes));
	t.true(Date.now() - aaa.lastUsed.getTime() > 39 * day);
	t.true(list.find(e => e.name.startsWith('thumb2-ccc'))!.bytes >= 500);
});

test('using an entry (isPublished, once per process) makes it recently used', async t => {
	const cache = await tempDir(t, 'cache');
	const dir = await entry(cache, 'kernel', 'thumb2-aaa', 10, 40);
	forgetCheckedEntries();
	t.true(await isPublished(dir, {files: ['zImage']}));
	const used = (await stat(join(dir, completionMarker))).mtime;
	t.true(Date.now() - used.getTime() < day);
	t.deepEqual(pruneSelection(await listCache(cache), 30), []);
});

test('prune removes entries unused for the given days and leftovers of dead processes; keeps the rest', async t => {
	const cache = await tempDir(t, 'cache');
	await entry(cache, 'kernel', 'old', 10, 40);
	await entry(cache, 'kernel', 'recent', 10, 3);
	const locked = await entry(cache, 'images', 'old-but-locked', 10, 40);
	await writeFile(`${locked}.lock`, `${process.pid} ${Date.now()} 1`);
	await old(join(cache, 'src', `linux-x.aside-${await deadPid()}-1`));
	await old(join(cache, 'src', `linux-y.tmp-${process.pid}-z`));
	await old(join(cache, 'src', 'my-project'), 'notes.txt');
	const {removed, kept} = await prune(cache, 30);
	t.deepEqual(removed.map(e => e.name.replace(/-\d+-/, '-PID-')).sort(), ['linux-x.aside-PID-1', 'old']);
	t.deepEqual(kept.map(e => e.name.replace(/-\d+-/, '-PID-')).sort(), ['linux-y.tmp-PID-z', 'my-project', 'old-but-locked', 'recent']);
	t.deepEqual((await readdir(join(cache, 'kernel'))).sort(), ['recent']);
	// 0 days: every entry goes; a folder kplug did not publish stays, however old.
	const all = await prune(cache, 0);
	t.deepEqual(all.removed.map(e => e.name), ['recent']);
	t.deepEqual(await readdir(join(cache, 'src', 'my-project')), ['notes.txt']);
	t.false((await readdir(join(cache, 'kernel'))).some(n => n.includes('.aside-')));
});

test('kplug cache (CLI): lists, prunes, and refuses a bad --unused-for with one line and exit 2', async t => {
	const cache = await tempDir(t, 'cache');
	await entry(cache, 'kernel', 'old', 10, 40);
	await entry(cache, 'kernel', 'recent', 10, 3);
	const kplug = (...args: string[]) => execa('node', [repoPath('harness/bin/kplug.mjs'), 'cache', '--cache', cache, ...args], {reject: false, env: {CI: 'true'}, timeout: 60_000});
	const listed = await kplug('--json');
	t.is(listed.exitCode, 0);
	const list = JSON.parse(listed.stdout) as {entries: {name: string}[]; wouldRemove: string[]};
	t.deepEqual(list.entries.map(e => e.name), ['old', 'recent']);
	t.deepEqual(list.wouldRemove, [join(cache, 'kernel', 'old')]);
	const text = await kplug();
	t.regex(text.stdout, /^ {2}kernel +old +\d+ kB {2}last used 40 days ago$/m);
	t.regex(text.stdout, /kplug cache --prune would remove 1 of them/);
	const pruned = await kplug('--prune', '--unused-for', '7', '--json');
	t.is(pruned.exitCode, 0);
	t.deepEqual((JSON.parse(pruned.stdout) as {removed: {name: string}[]}).removed.map(e => e.name), ['old']);
	t.deepEqual(await readdir(join(cache, 'kernel')), ['recent']);
	for (const bad of ['x', '--unused-for=-1', '1.5']) {
		const refused = bad.startsWith('--') ? await kplug(bad) : await kplug('--unused-for', bad);
		t.is(refused.exitCode, 2, bad);
		t.regex(refused.stderr, /^kplug: --unused-for must be a whole number of days/, bad);
		t.is(refused.stderr.trim().split('\n').length, 1, bad);
	}
	// A negative number given apart reads as an option to parseArgs: still one line.
	const apart = await kplug('--unused-for', '-1');
	t.is(apart.exitCode, 2);
	t.regex(apart.stderr, /^kplug: cache: Option '--unused-for' argument is ambiguous\. Did you forget/);
	t.is(apart.stderr.trim().split('\n').length, 1);
});

test('prune removes nothing while another live kplug process holds a lease on the cache, and never prunes / or home', async t => {
	const cache = await tempDir(t, 'cache');
	await entry(cache, 'kernel', 'old', 10, 40);
	const other = execa('sleep', ['30']);
	t.teardown(() => {
		other.kill();
	});
	await mkdir(join(cache, '.users'), {recursive: true});
	await writeFile(join(cache, '.users', String(other.pid)), 'lease');
	t.deepEqual(await cacheUsers(cache), [other.pid]);
	await t.throwsAsync(prune(cache, 0), {instanceOf: KplugError, message: new RegExp(`^kplug process ${other.pid} is using `)});
	t.deepEqual(await readdir(join(cache, 'kernel')), ['old']);
	other.kill();
	await other.catch(() => undefined);
	// Its lease is stale now; this process's own lease never counts.
	const release = holdCacheLease(cache);
	t.deepEqual(await cacheUsers(cache), []);
	t.deepEqual((await prune(cache, 0)).removed.map(e => e.name), ['old']);
	release();
	t.false((await readdir(join(cache, '.users'))).includes(String(process.pid)));
	await t.throwsAsync(prune('/', 0), {instanceOf: UsageError, message: /is not a cache kplug prunes/});
	await t.throwsAsync(prune(homedir(), 0), {instanceOf: UsageError, message: /is not a cache kplug prunes/});
});
