// Kernel source from Debian's linux-source-6.1 package, extracted once into the cache.
import {readdir, readFile, stat} from 'node:fs/promises';
import {join} from 'node:path';
import {SetupError} from '../util/errors.ts';
import {run} from '../util/exec.ts';
import {isPublished, publishAtomically, writeFileAtomic} from '../util/atomic.ts';
import {sha256File} from '../util/hash.ts';
import type {Progress} from '../util/progress.ts';

export const sourcePackage = 'linux-source-6.1';
export const sourceTarball = '/usr/src/linux-source-6.1.tar.xz';

export interface KernelSource {
	packageVersion: string;
	tarballSha256: string;
	// Extracted tree (read-only for everything else).
	dir: string;
}

// Version of the installed source package, or a SetupError naming the install line.
export async function sourcePackageVersion(): Promise<string> {
	const result = await run('dpkg-query', ['-W', '-f=${Version}', sourcePackage], {okExitCodes: [1]}).catch(() => undefined);
	if (!result || result.exitCode !== 0 || result.stdout.trim() === '') {
		throw new SetupError(`${sourcePackage} is not installed`, `apt-get install -y ${sourcePackage}`);
	}
	return result.stdout.trim();
}

// sha256 of the tarball, remembered by size+mtime so a no-op build does not rehash 130 MB.
async function tarballHash(cacheDir: string): Promise<string> {
	const info = await stat(sourceTarball).catch(() => undefined);
	if (!info) throw new SetupError(`${sourceTarball} is missing`, `apt-get install -y --reinstall ${sourcePackage}`);
	const memo = join(cacheDir, 'src', 'tarball-hash.json');
	const stamp = `${info.size}:${info.mtimeMs}`;
	try {
		const saved = JSON.parse(await readFile(memo, 'utf8')) as {stamp: string; sha256: string};
		if (saved.stamp === stamp) return saved.sha256;
	} catch {
		// no memo yet
	}
	const sha256 = await sha256File(sourceTarball);
	await writeFileAtomic(memo, JSON.stringify({stamp, sha256}) + '\n');
	return sha256;
}

// make reads the whole tree; the manifest covers the top Makefile and the crypto sources this rig is about
// (module sets copy files out of them).
async function sourceManifestFiles(dir: string): Promise<string[]> {
	const files = ['Makefile'];
	for (const sub of ['lib/crypto', 'arch/arm/crypto']) {
		for (const entry of await readdir(join(dir, sub), {withFileTypes: true}).catch(() => [])) if (entry.isFile()) files.push(`${sub}/${entry.name}`);
	}
	return files;
}

// Extract the kernel source into the cache (keyed by package version and tarball hash).
export async function ensureKernelSource(cacheDir: string, progress: Progress): Promise<KernelSource> {
	const packageVersion = await sourcePackageVersion();
	const tarballSha256 = await tarballHash(cacheDir);
	const dir = join(cacheDir, 'src', `linux-${packageVersion}-${tarballSha256.slice(0, 12)}`);
	const entry = {files: sourceManifestFiles, progress};
	if (!(await isPublished(dir, entry))) {
		await progress.step(`extract ${sourcePackage} ${packageVersion}`, () =>
			publishAtomically(dir, tmp => run('tar', ['-xf', sourceTarball, '-C', tmp, '--strip-components=1'], {timeoutMs: 20 * 60_000}).then(() => undefined), entry),
		);
	}
	return {packageVersion, tarballSha256, dir};
}
