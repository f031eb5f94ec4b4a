// The guest image: Debian armhf packages + init + agent + a module set, as a cached newc initramfs.
import {chmod, copyFile, lstat, mkdir, readdir, readFile, rename, rm, rmdir, stat, symlink, writeFile} from 'node:fs/promises';
import {basename, join} from 'node:path';
import {defaultUserland, type UserlandDef} from '../setup/userlands.ts';
import {isPublished, publishAtomically} from '../util/atomic.ts';
import {KplugError} from '../util/errors.ts';
import {cacheKey, sha256} from '../util/hash.ts';
import {repoPath} from '../util/paths.ts';
import type {Progress} from '../util/progress.ts';
import {ensureAgent} from './agent.ts';
import {entriesFromTree, writeCpio} from './cpio.ts';
import {runDepmod, unpackDeb} from './tools.ts';

// Bump when the staging steps below change.
const recipeVersion = '1';
// Bump when what another userland's staging adds changes (merged /usr links, System.map for the guest's depmod):
// part of those images' keys only, so the default userland's keys stay as they are.
const userlandStagingVersion = '1';
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
	// The userland the debs are of (setup/userlands.ts): where its depmod runs, whether its packages merged /usr.
	userland: UserlandDef;
	// For a userland whose depmod runs in the guest: boots the staged image once and brings back what depmod wrote.
	guestDepmod?: GuestDepmod;
}

// What the guest's depmod wrote into /lib/modules/<release>/ (file name → content) and printed on stderr.
export interface GuestDepmodResult {
	files: Record<string, Uint8Array>;
	warnings: string;
}

// Boot the initramfs at `cpio` (it carries System.map at guestSystemMap), run the image's own depmod for `release`;
// `recipe` names what it runs (its script), part of the image's key.
export interface GuestDepmod {
	recipe: string;
	run(cpio: string, release: string): Promise<GuestDepmodResult>;
}

// Where the staging image carries System.map for the guest's depmod -F (removed before the image is published).
export const guestSystemMap = 'boot/System.map';

// The files of /lib/modules/<release>/ kplug puts there itself (the rest of modules.* is depmod's).
export const stagedModuleFiles = ['modules.builtin', 'modules.builtin.modinfo', 'modules.order'];

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
		// Only another userland adds a part: the default userland's image keys stay what they were.
		...(spec.userland.id === defaultUserland ? {} : {userland: `${spec.userland.id} staging:${userlandStagingVersion} depmod:${spec.userland.depmod}${spec.guestDepmod ? `:${spec.guestDepmod.recipe}` : ''}${spec.userland.mergedUsr ? ' merged-usr' : ''}`}),
	};
	for (const [name, path] of Object.entries(spec.modules)) parts[`module:${name}`] = sha256(await readFile(path));
	return parts;
}

// Merged /usr: /bin, /sbin and /lib become links into /usr (the ELF interpreter is /lib/ld-linux-armhf.so.3); what a
// package still put in the top-level folder moves into /usr first, and a name in both is one clear error.
export async function mergeUsr(root: string): Promise<void> {
	for (const d of ['bin', 'sbin', 'lib']) {
		const top = join(root, d);
		const usr = join(root, 'usr', d);
		await mkdir(usr, {recursive: true});
		const info = await lstat(top).catch(() => undefined);
		if (info?.isSymbolicLink()) continue;
		if (info?.isDirectory()) {
			for (const name of await readdir(top)) {
				if (await lstat(join(usr, name)).then(() => true, () => false)) throw new KplugError(`merged /usr: /${d}/${name} and /usr/${d}/${name} both exist in the unpacked packages`);
				await rename(join(top, name), join(usr, name));
			}
			await rmdir(top);
		} else if (info) {
			throw new KplugError(`merged /usr: /${d} in the unpacked packages is not a folder`);
		}
		await symlink(`usr/${d}`, top);
	}
}

// Stage the root (packages, init, agent, modules); depmod runs after this (host or guest).
async function stage(root: string, spec: ImageSpec, agentPath: string): Promise<void> {
	for (const deb of Object.values(spec.debs)) await unpackDeb(deb, root);
	for (const d of dropped) await rm(join(root, d), {recursive: true, force: true});
	if (spec.userland.mergedUsr) await mergeUsr(root);
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
	for (const f of stagedModuleFiles) {
		await copyFile(join(spec.kernelDir, f), join(moduleDir, f)).catch(() => writeFile(join(moduleDir, f), ''));
	}
}

function cpioOf(entries: Awaited<ReturnType<typeof entriesFromTree>>): Uint8Array {
	entries.push({kind: 'chardev', path: 'dev/console', mode: 0o600, major: 5, minor: 1});
	return writeCpio(entries);
}

// depmod where the userland says: on the host over the root, or in a guest booted from the staged root (with
// System.map in it for -F), whose output files are then written into the root. Returns depmod's warnings.
async function depmod(root: string, tmp: string, spec: ImageSpec): Promise<string> {
	if (spec.userland.depmod === 'host') return runDepmod({baseDir: root, release: spec.release, systemMap: spec.systemMap});
	if (!spec.guestDepmod) throw new Error(`image ${spec.label}: userland ${spec.userland.id} runs depmod in the guest, and no guestDepmod was given`);
	await mkdir(join(root, 'boot'), {recursive: true});
	await copyFile(spec.systemMap, join(root, guestSystemMap));
	const staging = join(tmp, 'depmod-staging.cpio');
	await writeFile(staging, cpioOf(await entriesFromTree(root)));
	const result = await spec.guestDepmod.run(staging, spec.release);
	await rm(staging, {force: true});
	await rm(join(root, 'boot'), {recursive: true, force: true});
	const moduleDir = join(root, 'lib/modules', spec.release);
	for (const [name, data] of Object.entries(result.files)) {
		if (basename(name) !== name || !name.startsWith('modules.')) throw new Error(`guest depmod returned an unexpected file name "${name}"`);
		await writeFile(join(moduleDir, name), data);
	}
	return result.warnings;
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
				await stage(root, spec, agent.path);
				const warnings = await depmod(root, tmp, spec);
				await writeFile(join(tmp, 'initramfs.cpio'), cpioOf(await entriesFromTree(root)));
				await writeFile(join(tmp, 'depmod.txt'), warnings);
				await writeFile(join(tmp, 'manifest.json'), JSON.stringify({spec: {...spec, guestDepmod: undefined}, agent: agent.hash, key}, null, 2));
				await rm(root, {recursive: true, force: true});
			}, entry),
		);
	}
	const depmodWarnings = await readFile(join(dir, 'depmod.txt'), 'utf8').catch(() => '');
	return {key, path, bytes: (await stat(path)).size, depmodWarnings};
}
