// Kernel source: the host's installed linux-source-6.1, or another suite's package fetched into the cache;
// either way the tarball is extracted once into the cache, keyed by package version and tarball hash.
import {readdir, readFile, stat} from 'node:fs/promises';
import {join} from 'node:path';
import {SetupError} from '../util/errors.ts';
import {run} from '../util/exec.ts';
import {isPublished, publishAtomically, writeFileAtomic} from '../util/atomic.ts';
import {sha256File} from '../util/hash.ts';
import type {Progress} from '../util/progress.ts';
import {ensureFetchedTarball, readFetched} from './fetched-source.ts';
import {defaultKernel, kernelDef, type KernelDef} from './kernels.ts';

// The default kernel's package and tarball (installed on the host).
export const sourcePackage = kernelDef(defaultKernel).package;
export const sourceTarball = `/usr/src/${sourcePackage}.tar.xz`;

export interface KernelSource {
	// The kernel id (kernels.ts) and the Debian package the tree comes from.
	kernel: string;
	package: string;
	packageVersion: string;
	tarballSha256: string;
	// Extracted tree (read-only for everything else).
	dir: string;
}

// Version of an installed source package, or a SetupError naming the install line.
export async function sourcePackageVersion(pkg = sourcePackage): Promise<string> {
	const result = await run('dpkg-query', ['-W', '-f=${Version}', pkg], {okExitCodes: [1]}).catch(() => undefined);
	if (!result || result.exitCode !== 0 || result.stdout.trim() === '') {
		throw new SetupError(`${pkg} is not installed`, `apt-get install -y ${pkg}`);
	}
	return result.stdout.trim();
}

// sha256 of the host's tarball, remembered by size+mtime so a no-op build does not rehash 130 MB.
async function tarballHash(cacheDir: string, pkg: string, tarball: string): Promise<string> {
	const info = await stat(tarball).catch(() => undefined);
	if (!info) throw new SetupError(`${tarball} is missing`, `apt-get install -y --reinstall ${pkg}`);
	const memo = join(cacheDir, 'src', pkg === sourcePackage ? 'tarball-hash.json' : `tarball-hash-${pkg}.json`);
	const stamp = `${info.size}:${info.mtimeMs}`;
	try {
		const saved = JSON.parse(await readFile(memo, 'utf8')) as {stamp: string; sha256: string};
		if (saved.stamp === stamp) return saved.sha256;
	} catch {
		// no memo yet
	}
	const sha256 = await sha256File(tarball);
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

// A Debian version may carry ~ and + (7.3.4-1~bpo13+1): kept out of the folder name, which make sees as srctree.
const treeDir = (cacheDir: string, version: string, sha256: string): string => join(cacheDir, 'src', `linux-${version.replace(/[^A-Za-z0-9.-]/g, '_')}-${sha256.slice(0, 12)}`);

// Extract a tarball into its tree folder unless that is published already.
async function extractTree(dir: string, tarball: string, label: string, progress: Progress): Promise<void> {
	const entry = {files: sourceManifestFiles, progress};
	if (await isPublished(dir, entry)) return;
	await progress.step(`extract ${label}`, () =>
		publishAtomically(dir, tmp => run('tar', ['-xf', tarball, '-C', tmp, '--strip-components=1'], {timeoutMs: 20 * 60_000}).then(() => undefined), entry),
	);
}

// The extracted source tree of a kernel (default: 6.1 from the host's package). A fetched kernel's first use
// downloads it; later uses read only what the cache recorded (no network).
export async function ensureKernelSource(cacheDir: string, progress: Progress, kernel: KernelDef = kernelDef(defaultKernel), signal?: AbortSignal): Promise<KernelSource> {
	const source = (packageVersion: string, tarballSha256: string): KernelSource => ({kernel: kernel.id, package: kernel.package, packageVersion, tarballSha256, dir: treeDir(cacheDir, packageVersion, tarballSha256)});
	if (kernel.from === 'host') {
		const tarball = `/usr/src/${kernel.package}.tar.xz`;
		const found = source(await sourcePackageVersion(kernel.package), await tarballHash(cacheDir, kernel.package, tarball));
		await extractTree(found.dir, tarball, `${kernel.package} ${found.packageVersion}`, progress);
		return found;
	}
	const known = await readFetched(cacheDir, kernel);
	if (known && (await isPublished(source(known.version, known.tarballSha256).dir, {files: sourceManifestFiles, progress}))) return source(known.version, known.tarballSha256);
	const {fetched, tarball} = await ensureFetchedTarball(cacheDir, kernel, progress, signal);
	const found = source(fetched.version, fetched.tarballSha256);
	await extractTree(found.dir, tarball, `${kernel.package} ${fetched.version}`, progress);
	return found;
}
