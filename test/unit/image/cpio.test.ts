import {chmod, mkdir, symlink, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import test from 'ava';
import {entriesFromTree, listCpio, writeCpio, type CpioEntry} from '../../../harness/image/cpio.ts';
import {tempDir} from '../../_temp.ts';

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

const init = Buffer.from('#!/bin/busybox sh\necho hi\n');
// Deliberately unsorted, with names and sizes that are not multiples of 4.
const entries: CpioEntry[] = [
	{kind: 'file', path: 'sbin/kplug-agent', mode: 0o755, data: new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 1])},
	{kind: 'dir', path: 'sbin', mode: 0o755},
	{kind: 'file', path: 'init', mode: 0o755, data: init},
	{kind: 'chardev', path: 'dev/console', mode: 0o600, major: 5, minor: 1},
	{kind: 'dir', path: 'dev', mode: 0o755},
	{kind: 'symlink', path: 'bin/sh', target: 'busybox'},
	{kind: 'dir', path: 'bin', mode: 0o755},
	{kind: 'file', path: 'etc/empty', mode: 0o644, data: new Uint8Array()},
	{kind: 'dir', path: 'etc', mode: 0o755},
];
const archive = writeCpio(entries);

// Walk the raw records: [offset, header text, name, data] without using listCpio.
function records(buf: Buffer): {offset: number; header: string; name: string; data: Buffer; dataStart: number; nameEnd: number}[] {
	const out = [];
	let offset = 0;
	for (;;) {
		const header = buf.toString('latin1', offset, offset + 110);
		const nameSize = Number.parseInt(header.slice(94, 102), 16);
		const size = Number.parseInt(header.slice(54, 62), 16);
		const nameStart = offset + 110;
		const name = buf.toString('utf8', nameStart, nameStart + nameSize - 1);
		const nameEnd = nameStart + nameSize;
		const dataStart = Math.ceil(nameEnd / 4) * 4;
		out.push({offset, header, name, data: buf.subarray(dataStart, dataStart + size), dataStart, nameEnd});
		if (name === 'TRAILER!!!') return out;
		offset = Math.ceil((dataStart + size) / 4) * 4;
	}
}

test('writeCpio → listCpio round trip: paths, types, modes, sizes and rdev', t => {
	t.deepEqual(listCpio(archive), [
		{path: 'bin', mode: S_IFDIR | 0o755, size: 0, rdev: [0, 0]},
		{path: 'bin/sh', mode: S_IFLNK | 0o777, size: 'busybox'.length, rdev: [0, 0]},
		{path: 'dev', mode: S_IFDIR | 0o755, size: 0, rdev: [0, 0]},
		{path: 'dev/console', mode: S_IFCHR | 0o600, size: 0, rdev: [5, 1]},
		{path: 'etc', mode: S_IFDIR | 0o755, size: 0, rdev: [0, 0]},
		{path: 'etc/empty', mode: S_IFREG | 0o644, size: 0, rdev: [0, 0]},
		{path: 'init', mode: S_IFREG | 0o755, size: init.length, rdev: [0, 0]},
		{path: 'sbin', mode: S_IFDIR | 0o755, size: 0, rdev: [0, 0]},
		{path: 'sbin/kplug-agent', mode: S_IFREG | 0o755, size: 5, rdev: [0, 0]},
	]);
});

test('file contents and symlink targets are stored verbatim', t => {
	const byName = new Map(records(archive).map(r => [r.name, r.data]));
	t.deepEqual(byName.get('init'), init);
	t.deepEqual(byName.get('sbin/kplug-agent'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 1]));
	t.is(byName.get('bin/sh')?.toString(), 'busybox');
	t.is(byName.get('dev/console')?.length, 0);
});

test('every header is 110 bytes of ASCII: 070701 then 13 eight-digit hex fields', t => {
	const all = records(archive);
	t.is(all.length, entries.length + 1);
	for (const r of all) {
		t.regex(r.header, /^070701[0-9a-f]{104}$/, r.name);
		// The name is NUL-terminated and namesize counts the NUL.
		t.is(archive[r.nameEnd - 1], 0, r.name);
	}
	t.true(archive.subarray(0, 6).equals(Buffer.from('070701')));
});

test('headers are root-owned, mtime 0, nlink 1, unique inodes, zero check field', t => {
	const field = (header: string, i: number): number => Number.parseInt(header.slice(6 + i * 8, 14 + i * 8), 16);
	const all = records(archive).slice(0, -1);
	for (const r of all) {
		t.is(field(r.header, 2), 0, `${r.name} uid`);
		t.is(field(r.header, 3), 0, `${r.name} gid`);
		t.is(field(r.header, 4), 1, `${r.name} nlink`);
		t.is(field(r.header, 5), 0, `${r.name} mtime`);
		t.is(field(r.header, 12), 0, `${r.name} check`);
	}
	const inodes = all.map(r => field(r.header, 0));
	t.is(new Set(inodes).size, inodes.length);
	t.false(inodes.includes(0));
});

test('names and data start on 4-byte boundaries, and so does every record', t => {
	for (const r of records(archive)) {
		t.is(r.offset % 4, 0, `${r.name} record`);
		t.is(r.dataStart % 4, 0, `${r.name} data`);
		// Padding between the name and the data is NULs.
		t.true(archive.subarray(r.nameEnd, Math.ceil(r.nameEnd / 4) * 4).every(b => b === 0), r.name);
	}
	t.is(archive.length % 4, 0);
});

test('entries are sorted by path, so each folder comes before its contents', t => {
	const paths = listCpio(archive).map(r => r.path);
	t.deepEqual(paths, [...paths].sort());
	for (const [i, p] of paths.entries()) {
		const parent = p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : undefined;
		if (parent) t.true(paths.indexOf(parent) < i, p);
	}
});

test('the archive ends with a TRAILER!!! record', t => {
	const last = records(archive).at(-1);
	t.is(last?.name, 'TRAILER!!!');
	t.regex(last?.header ?? '', /^070701/);
	t.is(last?.data.length, 0);
	t.true(archive.includes(Buffer.from('TRAILER!!!\0')));
	t.false(listCpio(archive).some(r => r.path === 'TRAILER!!!'));
});

test('output is identical for the same input, whatever the input order', t => {
	t.true(writeCpio(entries).equals(archive));
	t.true(writeCpio([...entries].reverse()).equals(archive));
});

test('a leading slash in a path is dropped', t => {
	const rows = listCpio(writeCpio([{kind: 'dir', path: '/proc', mode: 0o555}]));
	t.deepEqual(rows.map(r => r.path), ['proc']);
});

test('an empty archive is just the trailer', t => {
	const empty = writeCpio([]);
	t.deepEqual(listCpio(empty), []);
	t.is(records(empty).length, 1);
	t.is(empty.length, 124); // 110 + "TRAILER!!!\0" (11) padded to 4
});

test('listCpio rejects data that is not newc', t => {
	t.throws(() => listCpio(Buffer.from('070707' + '0'.repeat(104))), {message: /bad cpio magic at offset 0/});
	// A truncated archive (no trailer) is an error, not an endless loop.
	t.throws(() => listCpio(archive.subarray(0, 240)), {message: /bad cpio magic/});
});

test('entriesFromTree collects dirs, files (with modes) and symlinks of a temp tree', async t => {
	const root = await tempDir(t, 'cpio');
	await mkdir(join(root, 'bin'));
	await mkdir(join(root, 'lib', 'modules'), {recursive: true});
	await writeFile(join(root, 'bin', 'busybox'), 'ELF');
	await chmod(join(root, 'bin', 'busybox'), 0o755);
	await writeFile(join(root, 'lib', 'modules', 'm.ko'), 'ko');
	await chmod(join(root, 'lib', 'modules', 'm.ko'), 0o644);
	await chmod(join(root, 'lib'), 0o750);
	await symlink('busybox', join(root, 'bin', 'sh'));
	const found = await entriesFromTree(root);
	const byPath = new Map(found.map(e => [e.path, e]));
	t.deepEqual([...byPath.keys()].sort(), ['bin', 'bin/busybox', 'bin/sh', 'lib', 'lib/modules', 'lib/modules/m.ko']);
	t.like(byPath.get('bin/busybox'), {kind: 'file', mode: 0o755});
	t.deepEqual((byPath.get('bin/busybox') as {data: Uint8Array}).data, Buffer.from('ELF'));
	t.like(byPath.get('lib/modules/m.ko'), {kind: 'file', mode: 0o644});
	t.like(byPath.get('lib'), {kind: 'dir', mode: 0o750});
	t.deepEqual(byPath.get('bin/sh'), {kind: 'symlink', path: 'bin/sh', target: 'busybox'});
	// And through the writer: same rows as the tree, reproducibly.
	const rows = listCpio(writeCpio(found));
	t.like(rows.find(r => r.path === 'bin/sh'), {mode: S_IFLNK | 0o777, size: 7});
	t.like(rows.find(r => r.path === 'lib'), {mode: S_IFDIR | 0o750});
	t.true(writeCpio(await entriesFromTree(root)).equals(writeCpio(found)));
});
