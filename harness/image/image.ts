// The guest image: Debian armhf packages + init + agent + a module set, as a cached newc initramfs.
import {chmod, copyFile, mkdir, readFile, rm, stat, symlink, writeFile} from 'node:fs/promises';
import {basename, join} from 'node:path';
import {isPublished, publishAtomically} from '../util/atomic.ts';
import {cacheKey, sha256} from '../util/hash.ts';
import {repoPath} from '../util/paths.ts';
import type {Progress} from '../util/progress.ts';
import {ensureAgent} from './agent.ts';
import {entriesFromTree, writeCpio} from './cpio.ts';
import {runDepmod, unpackDeb} from './tools.ts';

// Bump when the staging steps below change.
const recipeVersion = '1';
export const kmodTools = ['modprobe', 'insmod', 'rmmod', 'depmod', 'lsmod', 'modinfo'];
// Unpacked package content the guest never uses.
const dropped = ['usr/share', 'usr/lib/arm-linux-gnueabihf/gconv', 'usr/libexec', 'etc/init.d', 'usr/lib/arm-linux-gnueabihf/engines-3', 'usr/lib/arm-linux-gnueabihf/ossl-modules'];

export interface ImageSpec {
	// Short label for file names (e.g. thumb2-weak).
	label: string;
	release: string;
	systemMap: string;
	// Kernel build folder (modules.builtin*).
	kernelDir: string;
	debs: Record<string, string>;
	// Module file name → path; installed under /lib/modules/<release>/kernel/kplug/.
	modules: Record<string, string>;
}

export interface GuestImage {
	key: string;
	path: string;
	bytes: number;
	depmodWarnings: string;
}

async function busyboxApplets(): Promise<string[]> {
	const text = await readFile(repoPath('images/busybox-applets.txt'), 'utf8');
	return text.split('\n').map(l => l.replace(/#.*/, '')).join(' ').split(/\s+/).filter(Boolean);
}

// The parts of an image's cache key.
export async function imageKeyParts(spec: ImageSpec, agentHash: string): Promise<Record<string, string>> {
	const parts: Record<string, string> = {
		recipe: recipeVersion,
		release: spec.release,
		systemMap: sha256(await readFile(spec.systemMap)),
		init: sha256(await readFile(repoPath('images/init'))),
		applets: (await busyboxApplets()).join(' '),
		agent: agentHash,
		debs: Object.values(spec.debs).map(d => basename(d)).sort().join(' '),
	};
	for (const [name, path] of Object.entries(spec.modules)) parts[`module:${name}`] = sha256(await readFile(path));
	return parts;
}

async function stage(root: string, spec: ImageSpec, agentPath: string): Promise<string> {
	for (const deb of Object.values(spec.debs)) await unpackDeb(deb, root);
	for (const d of dropped) await rm(join(root, d), {recursive: true, force: true});
	for (const d of ['proc', 'sys', 'dev', 'tmp', 'run', 'root', 'etc/modprobe.d', 'usr/bin', 'usr/sbin', 'sbin']) await mkdir(join(root, d), {recursive: true});
	for (const applet of await busyboxApplets()) {
		if (kmodTools.includes(applet)) throw new Error(`busybox-applets.txt lists kmod tool "${applet}"`);
		await symlink('busybox', join(root, 'bin', applet)).catch(() => undefined);
	}
	await copyFile(repoPath('images/init'), join(root, 'init'));
	await chmod(join(root, 'init'), 0o755);
	await copyFile(agentPath, join(root, 'sbin/kplug-agent'));
	await chmod(join(root, 'sbin/kplug-agent'), 0o755);
	await writeFile(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
	await writeFile(join(root, 'etc/group'), 'root:x:0:\n');
	const moduleDir = join(root, 'lib/modules', spec.release);
	await mkdir(join(moduleDir, 'kernel/kplug'), {recursive: true});
	for (const [name, path] of Object.entries(spec.modules)) await copyFile(path, join(moduleDir, 'kernel/kplug', name));
	for (const f of ['modules.builtin', 'modules.builtin.modinfo', 'modules.order']) {
		await copyFile(join(spec.kernelDir, f), join(moduleDir, f)).catch(() => writeFile(join(moduleDir, f), ''));
	}
	return runDepmod({baseDir: root, release: spec.release, systemMap: spec.systemMap});
}

// Build (or find cached) the initramfs for a spec.
export async function ensureImage(cacheDir: string, spec: ImageSpec, progress: Progress): Promise<GuestImage> {
	const agent = await ensureAgent(cacheDir, progress);
	const key = cacheKey(await imageKeyParts(spec, agent.hash));
	const dir = join(cacheDir, 'images', `${spec.label}-${key}`);
	const path = join(dir, 'initramfs.cpio');
	const entry = {files: ['initramfs.cpio', 'depmod.txt', 'manifest.json'], progress};
	if (!(await isPublished(dir, entry))) {
		await progress.step(`image ${spec.label}`, () =>
			publishAtomically(dir, async tmp => {
				const root = join(tmp, 'root');
				const warnings = await stage(root, spec, agent.path);
				const entries = await entriesFromTree(root);
				entries.push({kind: 'chardev', path: 'dev/console', mode: 0o600, major: 5, minor: 1});
				await writeFile(join(tmp, 'initramfs.cpio'), writeCpio(entries));
				await writeFile(join(tmp, 'depmod.txt'), warnings);
				await writeFile(join(tmp, 'manifest.json'), JSON.stringify({spec, agent: agent.hash, key}, null, 2));
				await rm(root, {recursive: true, force: true});
			}, entry),
		);
	}
	const depmodWarnings = await readFile(join(dir, 'depmod.txt'), 'utf8').catch(() => '');
	return {key, path, bytes: (await stat(path)).size, depmodWarnings};
}
