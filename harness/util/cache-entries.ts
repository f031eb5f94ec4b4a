// What the cache holds, and pruning it: published entries (sources, kernels, module sets, images, the agent, guest
// packages) with their size and when a kplug process last used one, and what interrupted builds left behind.
import {lstatSync, mkdirSync, readdirSync, unlinkSync, writeFileSync} from 'node:fs';
import {readdir, readFile, rename, rm, stat} from 'node:fs/promises';
import {homedir} from 'node:os';
import {join, parse, resolve} from 'node:path';
import {alive, completionMarker, LOCK_STALE_MS} from './atomic.ts';
import {KplugError, UsageError} from './errors.ts';

// The folders under the cache that hold published entries (publishAtomically), in pipeline order.
export const entryKinds = ['src', 'debs', 'kernel', 'modules', 'agent', 'images'] as const;

export interface CacheEntry {
	kind: (typeof entryKinds)[number];
	name: string;
	path: string;
	bytes: number;
	// entry: published, with its marker; building: a live process holds its lock or is filling it;
	// leftover: a temporary or set-aside folder of a process that is gone; unknown: a folder kplug did not publish
	// (no marker, not a temporary folder's name), listed and never removed.
	state: 'entry' | 'building' | 'leftover' | 'unknown';
	// When a kplug process last used it (the marker's mtime, refreshed once per process), else the folder's mtime.
	lastUsed: Date;
}

// "…/thumb2-abc.tmp-1234-XyZ" and "…/thumb2-abc.aside-1234-2": a process's temporary folders, by its pid.
const temporary = /\.(?:tmp|aside)-(\d+)-[^/]*$/;

// A temporary folder is a leftover only when its process is gone and it has not changed for as long as a build lock
// takes to go stale (a process in another pid namespace sharing the cache looks gone).
const leftoverAfterMs = LOCK_STALE_MS;

// Bytes a folder takes (files' sizes, links not followed). Synchronous on purpose: only `kplug cache` walks the
// cache (about 300,000 files with three kernels' trees): one awaited lstat per file took 50 s of a busy machine
// (23 s of CPU), the synchronous walk 13 s (5.5 s of CPU).
function folderBytes(path: string): number {
	let total = 0;
	const pending = [path];
	while (pending.length > 0) {
		const dir = pending.pop()!;
		let names;
		try {
			names = readdirSync(dir, {withFileTypes: true});
		} catch {
			continue;
		}
		for (const d of names) {
			const p = join(dir, d.name);
			if (d.isDirectory()) pending.push(p);
			else {
				try {
					total += lstatSync(p).size;
				} catch {
					// Gone meanwhile (a build's temporary file).
				}
			}
		}
	}
	return total;
}

// A lock beside the entry ("<entry>.lock", "pid start-ms token") whose holder is alive.
async function lockedByLiveProcess(path: string): Promise<boolean> {
	const holder = await readFile(`${path}.lock`, 'utf8').catch(() => '');
	const pid = Number(holder.split(' ')[0]);
	return Number.isSafeInteger(pid) && pid > 0 && alive(pid);
}

async function describe(kind: CacheEntry['kind'], dir: string, name: string): Promise<CacheEntry | undefined> {
	const path = join(dir, name);
	const info = await stat(path).catch(() => undefined);
	if (!info?.isDirectory()) return undefined;
	const base = {kind, name, path, bytes: folderBytes(path)};
	const tmp = temporary.exec(name);
	if (tmp) {
		const gone = !alive(Number(tmp[1])) && Date.now() - info.mtime.getTime() > leftoverAfterMs;
		return {...base, state: gone ? 'leftover' : 'building', lastUsed: info.mtime};
	}
	const marker = await stat(join(path, completionMarker)).catch(() => undefined);
	if (marker) return {...base, state: (await lockedByLiveProcess(path)) ? 'building' : 'entry', lastUsed: marker.mtime};
	return {...base, state: (await lockedByLiveProcess(path)) ? 'building' : 'unknown', lastUsed: info.mtime};
}

// Everything under the cache's entry folders, in kind order, then by name.
export async function listCache(cacheDir: string): Promise<CacheEntry[]> {
	const out: CacheEntry[] = [];
	for (const kind of entryKinds) {
		const dir = join(cacheDir, kind);
		const names = await readdir(dir).catch(() => [] as string[]);
		for (const name of names.sort()) {
			// Fixed staging folders (modules/.staging) are reused under a lock, never published.
			if (name.startsWith('.')) continue;
			const entry = await describe(kind, dir, name);
			if (entry) out.push(entry);
		}
	}
	return out;
}

// The entries to remove: leftovers, and entries no process has used for `unusedForDays` days; never one a live
// process is building or holds the lock of.
export function pruneSelection(entries: readonly CacheEntry[], unusedForDays: number, now = new Date()): CacheEntry[] {
	const cutoff = now.getTime() - unusedForDays * 86_400_000;
	return entries.filter(e => e.state === 'leftover' || (e.state === 'entry' && e.lastUsed.getTime() <= cutoff));
}

// A kplug process using a cache says so with a lease, <cache>/.users/<pid>, for as long as it runs: prune removes
// nothing while another live process holds one (a run checks an entry once, then reads it without a lock).
const leaseDir = (cacheDir: string): string => join(cacheDir, '.users');

export function holdCacheLease(cacheDir: string): () => void {
	const lease = join(leaseDir(cacheDir), String(process.pid));
	try {
		mkdirSync(leaseDir(cacheDir), {recursive: true});
		writeFileSync(lease, `${process.pid} ${Date.now()}\n`);
	} catch {
		// A cache kplug cannot write to is refused earlier (checkLocations); nothing to hold then.
		return () => undefined;
	}
	const release = (): void => {
		process.off('exit', release);
		try {
			unlinkSync(lease);
		} catch {
			// Already gone.
		}
	};
	process.on('exit', release);
	return release;
}

// The other live kplug processes holding a lease on this cache.
export async function cacheUsers(cacheDir: string): Promise<number[]> {
	const names = await readdir(leaseDir(cacheDir)).catch(() => [] as string[]);
	return names.map(Number).filter(pid => Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && alive(pid));
}

// Never prune the root of a filesystem or the home folder (an --cache or KPLUG_CACHE given by mistake).
function refuseOddCache(cacheDir: string): void {
	const dir = resolve(cacheDir);
	if (dir === parse(dir).root || dir === resolve(homedir())) throw new UsageError(`${dir} is not a cache kplug prunes (a filesystem root or the home folder); give the cache folder with --cache`);
}

// Remove them; each is looked at again first (a process may have started using or building it since the listing),
// then renamed aside (gone at once for everyone) and removed.
export async function prune(cacheDir: string, unusedForDays: number, now = new Date()): Promise<{removed: CacheEntry[]; kept: CacheEntry[]}> {
	refuseOddCache(cacheDir);
	const users = await cacheUsers(cacheDir);
	if (users.length > 0) throw new KplugError(`kplug process ${users.join(', ')} is using ${cacheDir}: prune it when ${users.length > 1 ? 'they have' : 'it has'} finished`);
	const entries = await listCache(cacheDir);
	const chosen = new Set(pruneSelection(entries, unusedForDays, now).map(e => e.path));
	const removed: CacheEntry[] = [];
	let asides = 0;
	for (const entry of entries) {
		if (!chosen.has(entry.path)) continue;
		const again = await describe(entry.kind, join(cacheDir, entry.kind), entry.name);
		if (!again || pruneSelection([again], unusedForDays, now).length === 0) continue;
		// A temporary folder's name: if removing it fails halfway, a later prune finds it as a leftover.
		const aside = `${entry.path}.aside-${process.pid}-prune${++asides}`;
		try {
			await rename(entry.path, aside);
			await rm(aside, {recursive: true, force: true});
		} catch (error) {
			throw new KplugError(`could not remove ${entry.path} (${(error as NodeJS.ErrnoException).code ?? String(error)}); removed ${removed.length} entries before it`);
		}
		removed.push(entry);
	}
	const gone = new Set(removed.map(e => e.path));
	return {removed, kept: entries.filter(e => !gone.has(e.path))};
}
