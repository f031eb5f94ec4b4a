// What a published cache entry holds: sizes and sha256 of the files later stages read.
import {stat} from 'node:fs/promises';
import {join} from 'node:path';
import {sha256File} from './hash.ts';

export interface Manifest {
	completedAt: string;
	files: Record<string, {size: number; sha256: string}>;
}

// The files to record: a fixed list, or one computed from the folder (e.g. every .ko in it).
export type ManifestFiles = readonly string[] | ((dir: string) => Promise<readonly string[]>);

async function sizeOf(path: string): Promise<number | undefined> {
	try {
		const s = await stat(path);
		return s.isFile() ? s.size : undefined;
	} catch {
		return undefined;
	}
}

// Record the files of `dir` named by `files`; a listed file that is not there is left out (not every profile builds every module).
export async function computeManifest(dir: string, files: ManifestFiles = []): Promise<Manifest> {
	const names = typeof files === 'function' ? await files(dir) : files;
	const manifest: Manifest = {completedAt: new Date().toISOString(), files: {}};
	for (const name of [...names].sort()) {
		const size = await sizeOf(join(dir, name));
		if (size !== undefined) manifest.files[name] = {size, sha256: await sha256File(join(dir, name))};
	}
	return manifest;
}

// Parse a completion marker: a manifest, or undefined for a marker written before manifests existed.
export function parseManifest(text: string): Manifest | undefined {
	try {
		const value = JSON.parse(text) as Manifest | null;
		return value && typeof value === 'object' && value.files && typeof value.files === 'object' ? value : undefined;
	} catch {
		return undefined;
	}
}

// Why `dir` no longer matches its manifest (the first difference), or undefined when it does.
// Sizes first (cheap, catches truncation), then hashes (same-size corruption).
export async function manifestMismatch(dir: string, manifest: Manifest): Promise<string | undefined> {
	const entries = Object.entries(manifest.files);
	for (const [name, want] of entries) {
		const size = await sizeOf(join(dir, name));
		if (size === undefined) return `${name} is missing`;
		if (size !== want.size) return `${name} has ${size} bytes, ${want.size} when published`;
	}
	for (const [name, want] of entries) {
		if ((await sha256File(join(dir, name))) !== want.sha256) return `${name} differs from what was published (same size, sha256 ${want.sha256.slice(0, 12)}…)`;
	}
	return undefined;
}
