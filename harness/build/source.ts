// Kernel source from Debian's linux-source-6.1 package, extracted once into the cache.
import {readFile, stat} from 'node:fs/promises';
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

// Extract the kernel source into the cache (keyed by package version and tarball hash).
export async function ensureKernelSource(cacheDir: string, progress: Progress): Promise<KernelSource> {
	const packageVersion = await sourcePackageVersion();
	const tarballSha256 = await tarballHash(cacheDir);
	const dir = join(cacheDir, 'src', `linux-${packageVersion}-${tarballSha256.slice(0, 12)}`);
	if (!(await isPublished(dir))) {
		await progress.step(`extract ${sourcePackage} ${packageVersion}`, () =>
			publishAtomically(dir, tmp => run('tar', ['-xf', sourceTarball, '-C', tmp, '--strip-components=1'], {timeoutMs: 20 * 60_000}).then(() => undefined)),
		);
	}
	return {packageVersion, tarballSha256, dir};
}
