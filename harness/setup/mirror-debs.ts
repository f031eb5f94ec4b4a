// A guest userland's armhf packages from another Debian suite: downloaded through kplug's private apt configuration
// (never the host's), each .deb checked against the index's SHA256, kept as one cache entry per suite and package
// list. A complete entry is used as it is: no network once the packages are there.
import {readFile, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import * as z from 'zod';
import {isPublished, publishAtomically} from '../util/atomic.ts';
import {InterruptedError, KplugError} from '../util/errors.ts';
import {cacheKey} from '../util/hash.ts';
import type {Progress} from '../util/progress.ts';
import {downloadedDebName, downloadVerified, openPrivateApt, privateApt, privateIndexRecord} from './private-apt.ts';
import {guestArch} from './requirements.ts';
import {UserlandUnavailableError, userlandPackages, type UserlandDef} from './userlands.ts';

const indexSchema = z.object({
	suite: z.string(),
	arch: z.string(),
	packages: z.record(z.string(), z.object({version: z.string(), file: z.string(), size: z.number(), sha256: z.string().regex(/^[0-9a-f]{64}$/)})),
	mirrors: z.array(z.string()),
});
export type MirrorDebsIndex = z.infer<typeof indexSchema>;

// The cache entry of a userland's packages: <cache>/debs/<suite>-<arch>-<key of the package list>.
export function mirrorDebsDir(cacheDir: string, userland: UserlandDef, packages: readonly string[]): string {
	return join(cacheDir, 'debs', `${userland.suite}-${guestArch}-${cacheKey({packages: packages.join(' ')})}`);
}

// The .deb per package of a published entry's index.
export function debsOfIndex(dir: string, index: MirrorDebsIndex): Record<string, string> {
	return Object.fromEntries(Object.entries(index.packages).map(([name, p]) => [name, join(dir, p.file)]));
}

const memo = new Map<string, Promise<Record<string, string>>>();

// The userland's .deb per package (downloaded once into the cache; once per process after that). A failure is kept
// for the process (every image of the userland would fail the same way), an interrupt is not.
export function ensureMirrorDebs(cacheDir: string, userland: UserlandDef, progress: Progress, signal?: AbortSignal): Promise<Record<string, string>> {
	const key = `${cacheDir}\0${userland.id}`;
	let found = memo.get(key);
	if (!found) {
		found = fetchMirrorDebs(cacheDir, userland, progress, signal).catch(error => {
			if (error instanceof InterruptedError || !(error instanceof KplugError)) {
				memo.delete(key);
				throw error;
			}
			throw new UserlandUnavailableError(`userland ${userland.id}: ${error.message.split('\n')[0]}`);
		});
		found.catch(() => undefined);
		memo.set(key, found);
	}
	return found;
}

async function readIndex(dir: string): Promise<MirrorDebsIndex | undefined> {
	try {
		const parsed = indexSchema.safeParse(JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')));
		return parsed.success ? parsed.data : undefined;
	} catch {
		return undefined;
	}
}

async function fetchMirrorDebs(cacheDir: string, userland: UserlandDef, progress: Progress, signal?: AbortSignal): Promise<Record<string, string>> {
	const packages = await userlandPackages(userland);
	const dir = mirrorDebsDir(cacheDir, userland, packages);
	const entry = {files: async (d: string) => {
		const index = await readIndex(d);
		return index ? ['index.json', ...Object.values(index.packages).map(p => p.file)] : ['index.json'];
	}, progress};
	if (!(await isPublished(dir, entry))) {
		await publishAtomically(dir, async tmp => {
			const apt = privateApt(cacheDir, userland.suite, guestArch, process.getuid?.() === 0, false);
			const mirrors = await openPrivateApt(apt, progress, signal);
			const index: MirrorDebsIndex = {suite: userland.suite, arch: guestArch, packages: {}, mirrors};
			await progress.step(`download ${userland.suite} ${guestArch} ${packages.join(' ')}`, async () => {
				for (const name of packages) {
					const record = await privateIndexRecord(apt, name);
					// Straight into this process's temp folder: no other process sees or moves it.
					await downloadVerified(apt, record, signal, tmp);
					index.packages[name] = {version: record.version, file: downloadedDebName(record), size: record.size, sha256: record.sha256};
				}
			});
			await writeFile(join(tmp, 'index.json'), JSON.stringify(index, null, 2) + '\n');
		}, entry);
	}
	const index = await readIndex(dir);
	if (!index) throw new KplugError(`${dir}: index.json is missing or malformed after the download`);
	return debsOfIndex(dir, index);
}
