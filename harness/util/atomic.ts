// Atomic publication: build in a temporary sibling folder, rename on success.
import {mkdir, rename, rm, stat, writeFile} from 'node:fs/promises';
import {dirname, join} from 'node:path';

const marker = '.kplug-complete';

// Whether a published folder exists and is complete.
export async function isPublished(dir: string): Promise<boolean> {
	try {
		await stat(join(dir, marker));
		return true;
	} catch {
		return false;
	}
}

// Run `fill(tmp)` in a fresh temp folder and publish it as `dir` only if it succeeds.
export async function publishAtomically(dir: string, fill: (tmp: string) => Promise<void>): Promise<void> {
	await mkdir(dirname(dir), {recursive: true});
	const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
	await rm(tmp, {recursive: true, force: true});
	await mkdir(tmp, {recursive: true});
	try {
		await fill(tmp);
		await writeFile(join(tmp, marker), new Date().toISOString() + '\n');
		await rm(dir, {recursive: true, force: true});
		await rename(tmp, dir);
	} catch (error) {
		await rm(tmp, {recursive: true, force: true});
		throw error;
	}
}

let tmpCounter = 0;

// Write a file atomically (temp + rename); the last rename wins.
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
	await mkdir(dirname(path), {recursive: true});
	// Unique per call: concurrent writers of the same file must not share a temp name.
	const tmp = `${path}.tmp-${process.pid}-${++tmpCounter}`;
	await writeFile(tmp, data);
	await rename(tmp, path);
}
