// Refuse an output or cache folder kplug cannot use, before anything is built or booted.
import {constants} from 'node:fs';
import {access, mkdtemp, realpath, rm, stat, statfs} from 'node:fs/promises';
import {dirname, join, resolve, sep} from 'node:path';
import {UsageError} from './errors.ts';

// statfs f_type of pseudo filesystems: writes there are kernel interfaces, not files (and Node's
// recursive mkdir loops on /proc, where mkdir fails with ENOENT for ever).
const specialFs: Record<number, string> = {
	0x9fa0: 'proc',
	0x62656572: 'sysfs',
	0x1cd1: 'devpts',
	0x64626720: 'debugfs',
	0x74726163: 'tracefs',
	0x73636673: 'securityfs',
	0x27e0eb: 'cgroup',
	0x63677270: 'cgroup2',
	0xcafe4a11: 'bpf',
	0x6165676c: 'pstore',
	0x62656570: 'configfs',
	0x19800202: 'mqueue',
	0x42494e4d: 'binfmt_misc',
	0xde5e81e4: 'efivarfs',
	0xf97cff8c: 'selinuxfs',
	0x6e736673: 'nsfs',
};

// Trees that hold kernel interfaces whatever backs them (/dev is a tmpfs in containers).
const specialTrees = ['/proc', '/sys', '/dev'];
const allowedTrees = ['/dev/shm'];

const under = (path: string, tree: string): boolean => path === tree || path.startsWith(tree + sep);

// The nearest existing path at or above `path`; a file on the way is returned as is (the caller refuses it).
async function nearestExisting(path: string): Promise<{path: string; isDirectory: boolean}> {
	for (let p = path; ; p = dirname(p)) {
		try {
			return {path: p, isDirectory: (await stat(p)).isDirectory()};
		} catch (error) {
			const code = (error as NodeJS.ErrnoException).code;
			// ENOTDIR: some ancestor is a file; walking up finds it.
			if ((code !== 'ENOENT' && code !== 'ENOTDIR') || dirname(p) === p) throw error;
		}
	}
}

// Check that `path` is, or can be created as, a writable folder on an ordinary filesystem.
// `what` names the option in the message (`--out`, `--cache`, `KPLUG_CACHE`). Creates nothing that stays.
export async function checkWritableDir(path: string, what: string): Promise<void> {
	const target = resolve(path);
	const refuse = (why: string): never => {
		throw new UsageError(`${what} ${target}: ${why}`);
	};
	let existing;
	try {
		existing = await nearestExisting(target);
	} catch (error) {
		return refuse(`cannot be examined (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
	}
	if (!existing.isDirectory) return refuse(existing.path === target ? 'is a file, not a folder' : `${existing.path} is a file, not a folder`);
	const real = await realpath(existing.path);
	const tree = specialTrees.find(t => under(real, t));
	if (tree && !allowedTrees.some(t => under(real, t))) return refuse(`is on ${tree} (kernel interfaces, not a place for files)`);
	const fs = await statfs(real);
	const special = specialFs[fs.type];
	if (special) return refuse(`is on a ${special} filesystem (kernel interfaces, not a place for files)`);
	if (fs.bavail === 0) return refuse(`no free space on the filesystem of ${real}`);
	try {
		// access() reports EROFS even for root; the probe catches what access cannot (ACLs, quotas, immutable folders).
		await access(real, constants.W_OK | constants.X_OK);
		await rm(await mkdtemp(join(real, '.kplug-probe-')), {recursive: true});
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		return refuse(`${real === target ? '' : `${real} `}is not writable (${code === 'EROFS' ? 'read-only filesystem' : (code ?? (error as Error).message)})`);
	}
}
