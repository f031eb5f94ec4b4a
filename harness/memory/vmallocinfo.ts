// Parse /proc/vmallocinfo and attribute module-area allocations to the modules that own them.
//
// Readable addresses: the file is mode 0400 (root only) and prints ranges with %pK, so what the
// guest sees depends on kernel.kptr_restrict (lib/vsprintf.c restricted_pointer()):
//   0 (the default): hashed, like %p, unless the kernel was booted with no_hash_pointers;
//   1: real addresses for a reader with CAP_SYSLOG (root), 0x00000000 for anyone else;
//   2: always 0x00000000.
// /proc/modules prints its base address with %px gated by kallsyms_show_value(), which gives root
// real addresses under 0 or 1. So the guest (root) must run with kptr_restrict=1 (or boot with
// no_hash_pointers) for the ranges to line up with module addresses. A real range always spans
// exactly the printed size; attributeModuleAreas() checks that and refuses zeroed or hashed input.
import {MemoryParseError, contentLines, type ProcModule} from './proc-modules.ts';
import {KplugError} from '../util/errors.ts';

export interface VmallocArea {
	lineNumber: number;
	start: bigint;
	end: bigint;
	// Bytes of address space, including the trailing guard page (vm_struct.size).
	size: number;
	// %pS of the allocating call site, e.g. 'load_module+0x9a0/0x1e28' or 'f+0x1c/0x40 [mod]';
	// null for areas printed without one (vm_map_ram, unpurged, or no caller recorded).
	caller: string | null;
	// Backing pages (pages=N); 0 when absent (ioremap, vm_map_ram, unpurged lazily-freed areas).
	pages: number;
	// Physical address of an ioremap (phys=0x…), as printed.
	phys: string | null;
	// vmalloc, ioremap, vmap, user, dma-coherent, vpages; 'vm_map_ram' and 'unpurged' for the two
	// bare forms the kernel prints for areas without a vm_struct.
	flags: string[];
	// Pages per NUMA node (N0=3 …), only printed on CONFIG_NUMA kernels; empty on 32-bit ARM.
	numa: Record<string, number>;
}

const symbolCaller = /^[\w.$]+\+0x[0-9a-f]+\/0x[0-9a-f]+$|^0x[0-9a-f]+$/;
const flagWord = /^[a-z][a-z_-]*$/;

// Parse /proc/vmallocinfo: `0xSTART-0xEND SIZE [caller [module]] [pages=N] [phys=…] [flags] [Nn=…]`.
export function parseVmallocinfo(text: string): VmallocArea[] {
	return contentLines(text).map(({lineNumber, line}) => parseLine(lineNumber, line));
}

function parseLine(lineNumber: number, line: string): VmallocArea {
	const fail = (reason: string): never => {
		throw new MemoryParseError(reason, {source: '/proc/vmallocinfo', lineNumber, line});
	};
	const [range = '', size = '', ...rest] = line.trim().split(/\s+/);
	const bounds = /^0x([0-9a-fA-F]+)-0x([0-9a-fA-F]+)$/.exec(range) ?? fail(`bad range "${range}"`);
	if (!/^\d+$/.test(size)) fail(`bad size "${size}"`);
	const area: VmallocArea = {
		lineNumber,
		start: BigInt(`0x${bounds[1]}`),
		end: BigInt(`0x${bounds[2]}`),
		size: Number(size),
		caller: null,
		pages: 0,
		phys: null,
		flags: [],
		numa: {},
	};
	const bare = rest.join(' ');
	if (bare === 'vm_map_ram' || bare === 'unpurged vm_area') {
		area.flags.push(bare === 'vm_map_ram' ? 'vm_map_ram' : 'unpurged');
		return area;
	}
	let index = 0;
	if (rest[0] !== undefined && symbolCaller.test(rest[0])) {
		area.caller = rest[0];
		index = 1;
		// A caller inside a module prints as `sym+off/len [module]`.
		if (rest[1] !== undefined && /^\[\w+\]$/.test(rest[1])) {
			area.caller += ` ${rest[1]}`;
			index = 2;
		}
	}
	for (const field of rest.slice(index)) {
		const keyValue = /^([A-Za-z0-9]+)=(.+)$/.exec(field);
		if (keyValue) {
			const [, key = '', value = ''] = keyValue;
			if (key === 'pages' && /^\d+$/.test(value)) area.pages = Number(value);
			else if (key === 'phys' && /^0x[0-9a-fA-F]+$/.test(value)) area.phys = value;
			else if (/^N\d+$/.test(key) && /^\d+$/.test(value)) area.numa[key] = Number(value);
			else fail(`bad field "${field}"`);
		} else if (flagWord.test(field)) {
			area.flags.push(field);
		} else {
			fail(`unexpected field "${field}"`);
		}
	}
	return area;
}

export interface ModuleVmalloc {
	name: string;
	address: string;
	// vmalloc address space held, guard pages included (what vmallocinfo's size column says).
	bytes: number;
	// Pages actually backing it: the resident cost, in PAGE_SIZE units (4 KiB on ARM).
	pages: number;
	// How many areas contained the address: 1 for a loaded module.
	areas: number;
}

export type ModuleAddress = Pick<ProcModule, 'name' | 'address'>;

// Sum, for each module, the vmalloc areas whose range contains its /proc/modules base address.
export function attributeModuleAreas(areas: readonly VmallocArea[], modules: readonly ModuleAddress[]): ModuleVmalloc[] {
	assertRealAddresses(areas);
	return modules.map(({name, address}) => {
		const base = BigInt(address);
		if (base === 0n) {
			throw new KplugError(
				`/proc/modules hides the address of ${name} (0x0): read it as root with kernel.kptr_restrict=0 or 1`,
			);
		}
		const owned = areas.filter(area => area.start <= base && base < area.end);
		if (owned.length === 0) {
			// A loaded module's core image is always a vmalloc area, so the two reads disagree.
			throw new KplugError(
				`no /proc/vmallocinfo area contains ${name} at ${address}; were both files read in the same boot, with the module loaded?`,
			);
		}
		return {
			name,
			address,
			bytes: owned.reduce((sum, area) => sum + area.size, 0),
			pages: owned.reduce((sum, area) => sum + area.pages, 0),
			areas: owned.length,
		};
	});
}

// load_module() calls module_alloc() (via move_module(), often inlined), and module_alloc() passes
// its own return address as the caller; GCC may add .constprop.0-style suffixes.
export const moduleLoaderCaller = /^(?:module_alloc|load_module|move_module)(?:\.[A-Za-z_]+\.\d+)*\+0x/;

export interface VmallocTotal {
	bytes: number;
	pages: number;
	areas: number;
}

// Total the areas the module loader allocated: every module core, plus init images not yet freed.
export function moduleLoaderTotal(areas: readonly VmallocArea[]): VmallocTotal {
	// Matches on the caller only, so this works even when kptr_restrict hashes or zeroes the ranges.
	const loader = areas.filter(area => area.caller !== null && moduleLoaderCaller.test(area.caller));
	return {
		bytes: loader.reduce((sum, area) => sum + area.size, 0),
		pages: loader.reduce((sum, area) => sum + area.pages, 0),
		areas: loader.length,
	};
}

// A real range spans exactly its size; zeroed (kptr_restrict) or hashed (%pK at kptr_restrict=0)
// ranges do not, and comparing module addresses against them would attribute nothing, silently.
function assertRealAddresses(areas: readonly VmallocArea[]): void {
	const bad = areas.find(area => area.end - area.start !== BigInt(area.size));
	if (!bad) return;
	const zeroed = bad.start === 0n && bad.end === 0n;
	const why = zeroed
		? 'addresses are zeroed: kernel.kptr_restrict=2, or the reader lacks CAP_SYSLOG'
		: 'addresses look hashed (%pK at kernel.kptr_restrict=0): set it to 1 and read as root, or boot with no_hash_pointers';
	throw new KplugError(`/proc/vmallocinfo line ${bad.lineNumber}: range does not span its size; ${why}`);
}
