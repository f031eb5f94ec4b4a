// A newc ("070701") cpio writer: root-owned, mtime 0, sorted entries, so images are reproducible.
import {lstat, readdir, readFile, readlink} from 'node:fs/promises';
import {join} from 'node:path';

export type CpioEntry =
	| {kind: 'dir'; path: string; mode: number}
	| {kind: 'file'; path: string; mode: number; data: Uint8Array}
	| {kind: 'symlink'; path: string; target: string}
	| {kind: 'chardev'; path: string; mode: number; major: number; minor: number};

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

function hex8(n: number): string {
	return n.toString(16).padStart(8, '0');
}

function pad4(length: number): Buffer {
	return Buffer.alloc((4 - (length % 4)) % 4);
}

function header(ino: number, mode: number, size: number, nameSize: number, rdev: [number, number] = [0, 0]): string {
	// magic ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor rdevminor namesize check
	return '070701' + [ino, mode, 0, 0, 1, 0, size, 0, 0, rdev[0], rdev[1], nameSize, 0].map(hex8).join('');
}

function record(ino: number, name: string, mode: number, data: Uint8Array, rdev?: [number, number]): Buffer[] {
	const nameBytes = Buffer.from(name + '\0');
	const head = Buffer.from(header(ino, mode, data.length, nameBytes.length, rdev), 'ascii');
	return [head, nameBytes, pad4(head.length + nameBytes.length), Buffer.from(data), pad4(data.length)];
}

// Serialize entries (paths without a leading slash) into a newc archive with the TRAILER.
export function writeCpio(entries: readonly CpioEntry[]): Buffer {
	const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
	const parts: Buffer[] = [];
	let ino = 1;
	for (const entry of sorted) {
		const name = entry.path.replace(/^\/+/, '');
		switch (entry.kind) {
			case 'dir':
				parts.push(...record(ino++, name, S_IFDIR | entry.mode, new Uint8Array()));
				break;
			case 'file':
				parts.push(...record(ino++, name, S_IFREG | entry.mode, entry.data));
				break;
			case 'symlink':
				parts.push(...record(ino++, name, S_IFLNK | 0o777, Buffer.from(entry.target)));
				break;
			case 'chardev':
				parts.push(...record(ino++, name, S_IFCHR | entry.mode, new Uint8Array(), [entry.major, entry.minor]));
				break;
			default: {
				const never: never = entry;
				throw new Error(`unknown cpio entry ${JSON.stringify(never)}`);
			}
		}
	}
	parts.push(...record(0, 'TRAILER!!!', 0, new Uint8Array()));
	return Buffer.concat(parts);
}

// Collect a staging folder as cpio entries (owner and times dropped: everything is root's).
export async function entriesFromTree(root: string, prefix = ''): Promise<CpioEntry[]> {
	const entries: CpioEntry[] = [];
	for (const name of await readdir(join(root, prefix))) {
		const rel = prefix ? `${prefix}/${name}` : name;
		const abs = join(root, rel);
		const info = await lstat(abs);
		if (info.isSymbolicLink()) entries.push({kind: 'symlink', path: rel, target: await readlink(abs)});
		else if (info.isDirectory()) {
			entries.push({kind: 'dir', path: rel, mode: info.mode & 0o7777});
			entries.push(...(await entriesFromTree(root, rel)));
		} else if (info.isFile()) entries.push({kind: 'file', path: rel, mode: info.mode & 0o7777, data: await readFile(abs)});
	}
	return entries;
}

// Parse a newc archive back into (path, mode, size) rows: used by tests and `kplug image --list`.
export function listCpio(archive: Buffer): {path: string; mode: number; size: number; rdev: [number, number]}[] {
	const rows: {path: string; mode: number; size: number; rdev: [number, number]}[] = [];
	let offset = 0;
	for (;;) {
		if (archive.toString('ascii', offset, offset + 6) !== '070701') throw new Error(`bad cpio magic at offset ${offset}`);
		const field = (i: number): number => Number.parseInt(archive.toString('ascii', offset + 6 + i * 8, offset + 14 + i * 8), 16);
		const mode = field(1);
		const size = field(6);
		const rdev: [number, number] = [field(9), field(10)];
		const nameSize = field(11);
		const nameStart = offset + 110;
		const path = archive.toString('utf8', nameStart, nameStart + nameSize - 1);
		offset = nameStart + nameSize;
		offset += (4 - (offset % 4)) % 4;
		offset += size;
		offset += (4 - (offset % 4)) % 4;
		if (path === 'TRAILER!!!') return rows;
		rows.push({path, mode, size, rdev});
	}
}
