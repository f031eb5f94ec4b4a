// A kernel source package from another Debian suite: downloaded through kplug's private apt configuration (never the
// host's), checked against the index's SHA256, unpacked with dpkg-deb; the tarball is kept, the .deb is not.
import {readdir, readFile, rename, rm, stat, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import * as z from 'zod';
import {unpackDeb} from '../setup/dpkg-deb.ts';
import {downloadVerified, openPrivateApt, privateApt, privateIndexRecord} from '../setup/private-apt.ts';
import {isPublished, publishAtomically} from '../util/atomic.ts';
import {KplugError} from '../util/errors.ts';
import {run} from '../util/exec.ts';
import {sha256File} from '../util/hash.ts';
import type {Progress} from '../util/progress.ts';
import type {KernelDef} from './kernels.ts';

const fetchedSchema = z.object({
	package: z.string(),
	suite: z.string(),
	version: z.string(),
	debSize: z.number(),
	debSha256: z.string(),
	tarball: z.string(),
	tarballSha256: z.string().regex(/^[0-9a-f]{64}$/),
	mirrors: z.array(z.string()),
	downloadSeconds: z.number(),
	unpackSeconds: z.number(),
});
export type FetchedPackage = z.infer<typeof fetchedSchema>;

// The cache entry holding a fetched package's tarball and what was checked (fetched.json).
export function fetchedDir(cacheDir: string, kernel: KernelDef): string {
	return join(cacheDir, 'src', `fetched-${kernel.package}`);
}

// What an earlier fetch recorded, if its entry was completed (without rehashing the tarball: that is done only
// when the tarball is about to be extracted).
export async function readFetched(cacheDir: string, kernel: KernelDef): Promise<FetchedPackage | undefined> {
	const dir = fetchedDir(cacheDir, kernel);
	if (!(await stat(join(dir, '.kplug-complete')).then(() => true, () => false))) return undefined;
	let value: unknown;
	try {
		value = JSON.parse(await readFile(join(dir, 'fetched.json'), 'utf8'));
	} catch {
		return undefined;
	}
	const parsed = fetchedSchema.safeParse(value);
	return parsed.success ? parsed.data : undefined;
}

let archMemo: Promise<string> | undefined;
const nativeArch = (): Promise<string> => (archMemo ??= run('dpkg', ['--print-architecture']).then(r => r.stdout.trim()));

// Download, verify and unpack the kernel's source package (once: the entry pins the version first fetched).
export async function ensureFetchedTarball(cacheDir: string, kernel: KernelDef, progress: Progress, signal?: AbortSignal): Promise<{fetched: FetchedPackage; tarball: string}> {
	const dir = fetchedDir(cacheDir, kernel);
	const tarballOf = (f: FetchedPackage): string => join(dir, f.tarball);
	const entry = {files: async (d: string) => (await readdir(d)).filter(n => n.endsWith('.tar.xz') || n === 'fetched.json'), progress};
	const known = await readFetched(cacheDir, kernel);
	if (known && (await isPublished(dir, entry))) return {fetched: known, tarball: tarballOf(known)};
	await publishAtomically(dir, async tmp => {
		const apt = privateApt(cacheDir, kernel.suite, await nativeArch(), process.getuid?.() === 0);
		const mirrors = await openPrivateApt(apt, progress, signal);
		const record = await privateIndexRecord(apt, kernel.package);
		const started = performance.now();
		const downloaded = await progress.step(`download ${kernel.package} ${record.version} (${(record.size / 1e6).toFixed(0)} MB)`, () => downloadVerified(apt, record, signal));
		const downloadSeconds = (performance.now() - started) / 1000;
		const unpacked = join(tmp, 'unpacked');
		const unpackStarted = performance.now();
		await progress.step(`unpack ${kernel.package} (dpkg-deb)`, () => unpackDeb(downloaded, unpacked, signal));
		const unpackSeconds = (performance.now() - unpackStarted) / 1000;
		await rm(downloaded, {force: true});
		const tarballs = (await readdir(join(unpacked, 'usr/src')).catch(() => [] as string[])).filter(n => n.endsWith('.tar.xz'));
		if (tarballs.length !== 1) throw new KplugError(`${kernel.package} ${record.version}: expected one usr/src/*.tar.xz in the package, found ${tarballs.join(', ') || 'none'}`);
		const tarball = tarballs[0]!;
		await rename(join(unpacked, 'usr/src', tarball), join(tmp, tarball));
		await rm(unpacked, {recursive: true, force: true});
		const fetched: FetchedPackage = {
			package: kernel.package, suite: kernel.suite, version: record.version, debSize: record.size, debSha256: record.sha256,
			tarball, tarballSha256: await sha256File(join(tmp, tarball)), mirrors,
			downloadSeconds: Math.round(downloadSeconds * 10) / 10, unpackSeconds: Math.round(unpackSeconds * 10) / 10,
		};
		await writeFile(join(tmp, 'fetched.json'), JSON.stringify(fetched, null, 2) + '\n');
	}, entry);
	const fetched = await readFetched(cacheDir, kernel);
	if (!fetched) throw new KplugError(`${dir}: fetched.json is missing or malformed after the fetch`);
	return {fetched, tarball: tarballOf(fetched)};
}
