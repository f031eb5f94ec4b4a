// Guest userlands as data: which Debian release's armhf packages (busybox, kmod and kmod's libraries) a guest image
// is made of, and where its depmod runs. The kmod under test is the userland's own: bookworm's kmod 30 runs on the
// bookworm host as well as in the guest, so its depmod runs on the staging root; trixie's kmod 34 needs trixie's glibc,
// so its depmod runs in the guest, once per image, when the image is built (harness/subject/guest-depmod.ts).
import {readFile} from 'node:fs/promises';
import {KplugError, UsageError} from '../util/errors.ts';
import {repoPath} from '../util/paths.ts';

export interface UserlandDef {
	// What --userland takes (the Debian codename).
	id: string;
	description: string;
	// 'host': the packages come through the host's apt (the host is bookworm: images/packages.txt, as always);
	// 'mirror': downloaded through kplug's private apt configuration for armhf from the host's own Debian mirror with
	// the suite swapped (harness/setup/mirror-debs.ts), each .deb checked against the index's SHA256.
	from: 'host' | 'mirror';
	suite: string;
	// The package list (images/…), one name per line.
	packageList: string;
	// The kmod major version this userland ships (checked against what the guest's `kmod --version` says).
	kmod: string;
	// Where depmod runs: on the host over the staging root, or in a guest of the image itself.
	depmod: 'host' | 'guest';
	// The packages put everything under /usr (merged /usr): the image gets /bin, /sbin and /lib as links into /usr.
	mergedUsr: boolean;
}

export const userlands: readonly UserlandDef[] = [
	{
		id: 'bookworm', description: 'Debian 12: busybox 1.35, kmod 30 (the host\'s own release)',
		from: 'host', suite: 'bookworm', packageList: 'images/packages.txt', kmod: '30', depmod: 'host', mergedUsr: false,
	},
	{
		id: 'trixie', description: 'Debian 13: busybox 1.37, kmod 34 (knows MODULE_WEAKDEP: modules.weakdep)',
		from: 'mirror', suite: 'trixie', packageList: 'images/packages-trixie.txt', kmod: '34', depmod: 'guest', mergedUsr: true,
	},
];

export const defaultUserland = 'bookworm';

// A userland whose images cannot be had (its packages from the mirror, or its depmod in the guest): the cells on it
// are errors with this line; the other cells run (scenarios/runner.ts prepareCells).
export class UserlandUnavailableError extends KplugError {
	override name = 'UserlandUnavailableError';
}

// The userland of an id, or one clear UsageError naming the ones there are.
export function userlandDef(id: string): UserlandDef {
	const found = userlands.find(u => u.id === id);
	if (!found) throw new UsageError(`unknown userland "${id}" (userlands: ${userlands.map(u => u.id).join(', ')})`);
	return found;
}

// The package names of a list file (comments and blank lines dropped).
export function parsePackageList(text: string): string[] {
	return text.split('\n').map(l => l.replace(/#.*/, '').trim()).filter(Boolean);
}

export async function userlandPackages(userland: UserlandDef): Promise<string[]> {
	return parsePackageList(await readFile(repoPath(userland.packageList), 'utf8'));
}
