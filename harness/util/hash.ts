// Content hashing for cache keys.
import {createHash} from 'node:crypto';
import {createReadStream} from 'node:fs';
import {readdir, readFile} from 'node:fs/promises';
import {join, relative} from 'node:path';

// sha256 of a string or bytes, hex.
export function sha256(data: string | Uint8Array): string {
	return createHash('sha256').update(data).digest('hex');
}

// sha256 of a (possibly large) file, streamed.
export async function sha256File(path: string): Promise<string> {
	const hash = createHash('sha256');
	for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
	return hash.digest('hex');
}

// A stable key over named parts: changes when and only when a part changes.
export function cacheKey(parts: Record<string, string>): string {
	const canonical = Object.keys(parts)
		.sort()
		.map(name => `${name}\0${parts[name]}\0`)
		.join('');
	return sha256(canonical).slice(0, 20);
}

// Hash of every file under a directory (names and contents), sorted.
export async function hashTree(dir: string): Promise<string> {
	const files: string[] = [];
	async function walk(d: string): Promise<void> {
		for (const entry of await readdir(d, {withFileTypes: true})) {
			const p = join(d, entry.name);
			if (entry.isDirectory()) await walk(p);
			else if (entry.isFile()) files.push(p);
		}
	}
	await walk(dir);
	files.sort();
	const hash = createHash('sha256');
	for (const file of files) {
		hash.update(relative(dir, file)).update('\0').update(await readFile(file)).update('\0');
	}
	return hash.digest('hex');
}
