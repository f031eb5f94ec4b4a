// Atomic publication: build in a temporary sibling folder, rename on success, never over someone else's entry.
import {mkdir, mkdtemp, readFile, rename, rm, stat, utimes, writeFile} from 'node:fs/promises';
import {dirname, join, resolve} from 'node:path';
import {computeManifest, manifestMismatch, parseManifest, type ManifestFiles} from './cache-manifest.ts';

// The completion marker, written last inside the temp folder; it holds the entry's manifest. Its mtime is when a
// kplug process last used the entry (refreshed once per process), which `kplug cache --prune` goes by.
export const completionMarker = '.kplug-complete';
const marker = completionMarker;

export interface EntryOptions {
	// The files later stages read, recorded (size, sha256) in the marker and checked before first use.
	files?: ManifestFiles;
	// Where the one line about a damaged entry goes (default: stderr).
	progress?: {info(message: string): void};
}

const stderrProgress = {
	info(message: string): void {
		process.stderr.write(`[kplug] ${message}\n`);
	},
};

// Entries checked in this process: each is read once per process, not once per cell.
const checked = new Map<string, Promise<boolean>>();
let asideCounter = 0;

type EntryState = {kind: 'absent'} | {kind: 'sound'} | {kind: 'incomplete' | 'damaged'; why: string; ino: number};

async function entryState(dir: string, files: ManifestFiles | undefined): Promise<EntryState> {
	let ino: number;
	try {
		ino = (await stat(dir)).ino;
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {kind: 'absent'};
		throw error;
	}
	let text: string;
	try {
		text = await readFile(join(dir, marker), 'utf8');
	} catch {
		return {kind: 'incomplete', why: 'no completion marker', ino};
	}
	const manifest = parseManifest(text);
	if (!manifest) {
		// Published before entries carried a manifest: record what is there now rather than rebuild every kernel.
		await writeFileAtomic(join(dir, marker), JSON.stringify(await computeManifest(dir, files), null, 1) + '\n');
		return {kind: 'sound'};
	}
	const why = await manifestMismatch(dir, manifest);
	return why ? {kind: 'damaged', why, ino} : {kind: 'sound'};
}

// Forget which entries this process has checked, as a new process would (tests).
export function forgetCheckedEntries(): void {
	checked.clear();
}

// Move an entry out of the way so it can be rebuilt. Only the entry examined (same inode) is removed: if another
// process replaced it in between, its fresh entry goes back (or, if yet another one is there, it is dropped).
async function moveAside(dir: string, ino: number): Promise<void> {
	const aside = `${dir}.aside-${process.pid}-${++asideCounter}`;
	try {
		await rename(dir, aside);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
		throw error;
	}
	if ((await stat(aside)).ino !== ino) {
		await rename(aside, dir).catch(() => undefined);
	}
	await rm(aside, {recursive: true, force: true});
}

// Whether `dir` is a complete, undamaged published entry. A damaged one is reported in one line and moved
// aside, so the caller rebuilds it. Checked once per process.
export async function isPublished(dir: string, options: EntryOptions = {}): Promise<boolean> {
	const key = resolve(dir);
	let verdict = checked.get(key);
	if (!verdict) {
		verdict = (async () => {
			const state = await entryState(key, options.files);
			if (state.kind === 'damaged') {
				(options.progress ?? stderrProgress).info(`cache entry ${key} is damaged (${state.why}); rebuilding it`);
				await moveAside(key, state.ino);
			}
			// Used now: a cache that cannot record it (read-only) is still usable.
			if (state.kind === 'sound') await utimes(join(key, marker), new Date(), new Date()).catch(() => undefined);
			return state.kind === 'sound';
		})();
		checked.set(key, verdict);
		// Only a sound entry stays known: anything else is looked at again after the rebuild.
		void verdict.then(ok => ok || checked.delete(key), () => checked.delete(key));
	}
	return verdict;
}

// A build lock per cache key (`<dir>.lock`, created exclusively, holding "pid start-ms token"), so two kplug
// processes (or two workers of one) asked for the same entry build it once: the second waits, then finds it
// published. A lock whose holder is gone (or older than any build may take) is stale and taken over.
export const LOCK_STALE_MS = 90 * 60_000;
let lockCounter = 0;

// Whether a process with this pid exists (EPERM: it does, under another user).
export function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

async function acquireBuildLock(key: string, progress: {info(message: string): void} | undefined): Promise<() => Promise<void>> {
	const lock = `${key}.lock`;
	const token = `${process.pid} ${Date.now()} ${++lockCounter}`;
	let told = false;
	for (;;) {
		try {
			await writeFile(lock, token, {flag: 'wx'});
			return async () => {
				if ((await readFile(lock, 'utf8').catch(() => '')) === token) await rm(lock, {force: true});
			};
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
		}
		const holder = await readFile(lock, 'utf8').catch(() => '');
		const [pid = 0, since = 0] = holder.split(' ').map(Number);
		if (holder !== '' && (!alive(pid) || Date.now() - since > LOCK_STALE_MS)) {
			// Taken over only if it is still the same stale holder (another waiter may have been first).
			if ((await readFile(lock, 'utf8').catch(() => '')) === holder) await rm(lock, {force: true});
			continue;
		}
		if (!told && holder !== '' && pid !== process.pid) {
			(progress ?? stderrProgress).info(`waiting for kplug process ${pid}, which is building ${key}`);
			told = true;
		}
		await new Promise(resolve => setTimeout(resolve, 200));
	}
}

// Run `fill(tmp)` in a fresh temp folder and publish it as `dir` only if it succeeds, under the key's build lock:
// whoever holds it builds, the others wait and then find the entry published (success, without building). If an
// entry appears anyway (a process from before locks), rename-if-absent keeps it: a published entry is never replaced.
export async function publishAtomically(dir: string, fill: (tmp: string) => Promise<void>, options: EntryOptions = {}): Promise<void> {
	const key = resolve(dir);
	await mkdir(dirname(key), {recursive: true});
	const release = await acquireBuildLock(key, options.progress);
	try {
		checked.delete(key);
		if (await isPublished(key, options)) return;
		const tmp = await mkdtemp(`${key}.tmp-${process.pid}-`);
		try {
			await fill(tmp);
			await writeFile(join(tmp, marker), JSON.stringify(await computeManifest(tmp, options.files), null, 1) + '\n');
			for (let attempt = 0; ; attempt++) {
				try {
					// rename(2) onto a non-empty folder fails (ENOTEMPTY/EEXIST): it never replaces a published entry.
					await rename(tmp, key);
					checked.set(key, Promise.resolve(true));
					return;
				} catch (error) {
					const code = (error as NodeJS.ErrnoException).code;
					if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || attempt === 3) throw error;
				}
				checked.delete(key);
				if (await isPublished(key, options)) return;
				// Left by a process killed before manifests (no marker), or damaged and already moved aside by isPublished.
				const state = await entryState(key, options.files);
				if (state.kind === 'incomplete') await moveAside(key, state.ino);
			}
		} finally {
			await rm(tmp, {recursive: true, force: true});
		}
	} finally {
		await release();
	}
}

// Run work while holding `<path>.lock` (the build lock's rules: created exclusively, a dead holder's lock is taken
// over), for a folder that is reused rather than published, such as a fixed staging folder.
export async function withLock<T>(path: string, work: () => Promise<T>, progress?: {info(message: string): void}): Promise<T> {
	const key = resolve(path);
	await mkdir(dirname(key), {recursive: true});
	const release = await acquireBuildLock(key, progress);
	try {
		return await work();
	} finally {
		await release();
	}
}

let tmpCounter = 0;

// Write a file atomically (temp + rename); the last rename wins.
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
	await mkdir(dirname(path), {recursive: true});
	// Unique per call: concurrent writers of the same file must not share a temp name.
	const tmp = `${path}.tmp-${process.pid}-${++tmpCounter}`;
	try {
		await writeFile(tmp, data);
		await rename(tmp, path);
	} catch (error) {
		// A failed write leaves the previous file and no temporary one beside it.
		await rm(tmp, {force: true});
		throw error;
	}
}
