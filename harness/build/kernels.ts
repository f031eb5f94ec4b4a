// Kernels as data: one object per kernel (Debian source package, suite, its own fragment, what it builds).
import {UsageError} from '../util/errors.ts';
import {repoPath} from '../util/paths.ts';
import {readFragment, type Fragment} from './fragment.ts';

// In-tree curve25519 module files, relative to the build folder, by role; a role the kernel does not build is absent
// (from 6.18 the NEON core is linked into libcurve25519.ko: no curve25519-neon.ko, no libcurve25519-generic.ko).
export interface InTreeModulePaths {
	lib: string;
	generic?: string;
	arch?: string;
}

export interface KernelDef {
	// What --kernel takes (the upstream major.minor).
	id: string;
	description: string;
	// The Debian package carrying the source tarball, and the suite it comes from.
	package: string;
	suite: string;
	// 'host': the package installed on the host (bookworm's, as always); 'mirror': downloaded through kplug's private
	// apt configuration from the host's own Debian mirror with the suite swapped (harness/setup/private-apt.ts).
	from: 'host' | 'mirror';
	// Its config fragment, applied on top of base.config and under the profile's: what the subject needs, spelled the
	// way this kernel's Kconfig spells it (validated against the final .config like every other line).
	fragment: string;
	// base.config symbols this kernel's Kconfig does not have (merged or renamed; what replaced them is asked for
	// in base.config or the kernel's fragment): left out of this kernel's merge, and checked absent from its .config.
	notInKconfig?: readonly {symbol: string; why: string}[];
	// The profiles built and validated on this kernel so far (all when absent); another is one clear line.
	profiles?: readonly string[];
	inTreeModules: InTreeModulePaths;
	// In-tree modules the curve25519 modules need on this kernel and 6.1 does not (crypto infrastructure that is a
	// module here): carried by every image of the kernel and loaded right after boot, before anything is observed,
	// so every scenario starts from the state it starts from on 6.1. Paths relative to the build folder.
	preload?: readonly {file: string; why: string}[];
	// The kernel's own KUnit suite for the library, where the tree has one (7.x; 6.x tests at init instead): the test
	// module and what it needs loaded first, relative to the build folder. Every image of the kernel carries them; the
	// vector job loads them after the design's modules (harness/vectors/kunit.ts).
	kunit?: {suite: string; module: string; needs: readonly string[]};
	// The out-of-tree module sets (modules/<set>) `kplug build` builds with this kernel; a design whose set is not
	// listed is still tried when a command asks for it, and fails with the compiler's line if it does not build.
	moduleSets: readonly string[];
	// The guest userlands (setup/userlands.ts) the default matrix runs on this kernel; the default userland when absent.
	userlands?: readonly string[];
}

const allSets = ['mainline', 'weak', 'softdep', 'static-call'] as const;
const splitModules: InTreeModulePaths = {lib: 'lib/crypto/libcurve25519.ko', generic: 'lib/crypto/libcurve25519-generic.ko', arch: 'arch/arm/crypto/curve25519-neon.ko'};

export const kernels: readonly KernelDef[] = [
	{
		id: '6.1',
		description: 'Debian 12 (bookworm) kernel source, as installed on the host',
		package: 'linux-source-6.1', suite: 'bookworm', from: 'host',
		fragment: 'kernel-config/kernels/6.1.config',
		inTreeModules: splitModules,
		moduleSets: allSets,
	},
	{
		id: '6.12',
		description: 'Debian 13 (trixie) kernel source: library, generic and NEON modules still split as in 6.1',
		package: 'linux-source-6.12', suite: 'trixie', from: 'mirror',
		fragment: 'kernel-config/kernels/6.12.config',
		profiles: ['thumb2'],
		inTreeModules: splitModules,
		preload: [
			{file: 'crypto/crypto_algapi.ko', why: 'needed by kpp.ko'},
			{file: 'crypto/kpp.ko', why: "6.12's curve25519-neon.ko registers a KPP algorithm (CRYPTO_CURVE25519_NEON selects CRYPTO_KPP, a module here); 6.1's registers none"},
		],
		moduleSets: allSets,
		// trixie's own kernel with trixie's kmod 34 as well (MODULE_WEAKDEP exists from 6.11).
		userlands: ['bookworm', 'trixie'],
	},
	{
		id: '7.3',
		description: 'trixie-backports kernel source: one libcurve25519.ko with the NEON core linked in (lib/crypto/arm/)',
		package: 'linux-source-7.3', suite: 'trixie-backports', from: 'mirror',
		fragment: 'kernel-config/kernels/7.3.config',
		notInKconfig: [{symbol: 'PROC_SYSCTL', why: '/proc/sys is SYSCTL itself (fs/proc/Kconfig), which base.config asks for'}],
		profiles: ['thumb2'],
		inTreeModules: {lib: 'lib/crypto/libcurve25519.ko'},
		kunit: {suite: 'curve25519', module: 'lib/crypto/tests/curve25519_kunit.ko', needs: ['lib/kunit/kunit.ko']},
		moduleSets: allSets,
	},
];

// The kernels `kplug start` (npm start) covers unless --kernel names others: 6.1 with every profile, 6.12 and 7.3 with
// the profiles they build (thumb2). Every design builds on each: on 7.3 mainline is the consolidated library.
export const startKernels: readonly string[] = ['6.1', '6.12', '7.3'];

// The kernel every command uses unless --kernel names others (the matrix and its baseline are 6.1's).
export const defaultKernel = '6.1';

// Look up a kernel by id; unknown ids list the valid ones.
export function kernelDef(id: string): KernelDef {
	const found = kernels.find(k => k.id === id);
	if (!found) throw new UsageError(`unknown kernel "${id}" (kernels: ${kernels.map(k => k.id).join(', ')})`);
	return found;
}

// Whether a kernel builds a profile (an unsupported pair is one clear line, not a Kconfig mismatch list).
export function checkKernelProfile(kernel: KernelDef, profile: string): void {
	if (kernel.profiles && !kernel.profiles.includes(profile)) {
		throw new UsageError(`kernel ${kernel.id} does not build profile ${profile} (profiles on ${kernel.id}: ${kernel.profiles.join(', ')})`);
	}
}

// The kernel's own fragment.
export function kernelFragment(kernel: KernelDef): Promise<Fragment> {
	return readFragment(repoPath(kernel.fragment));
}

// A folder-name prefix for a kernel's cache entries: none for the default kernel, so its entries keep their names.
export function kernelLabel(kernel: KernelDef, name: string): string {
	return kernel.id === defaultKernel ? name : `${kernel.id}-${name}`;
}
