// Parse /proc/meminfo and pick the fields a module's memory shows up in.
import {KplugError} from '../util/errors.ts';
import {MemoryParseError, contentLines} from './proc-modules.ts';

// Why each field is worth recording around a module load:
//   MemAvailable  the headline: what userspace could still get; MemFree alone ignores reclaimable cache.
//   MemTotal      constant within one kernel build and guest size; a change means the boots differ.
//   MemFree       raw free pages, for reading MemAvailable against.
//   VmallocUsed   vmalloc'd pages (since 5.3); module_alloc() is vmalloc, so module images land here.
//   Percpu        per-cpu chunks; a module's DEFINE_PER_CPU data uses a reserved chunk populated at
//                 boot, so this should not move: a change points at dynamic per-cpu allocations.
//   KernelStack   stack per task (vmalloc'd with VMAP_STACK): moves when kthreads come and go: noise.
//   PageTables    page tables, mostly userspace; a control for differences in what the guest ran.
//   SUnreclaim    unreclaimable slab: struct module_use, sysfs kobjects and other kmalloc'd bookkeeping.
//   Slab          all slab, reclaimable (dentries, inodes) included.
export const memFieldNames = [
	'MemTotal',
	'MemFree',
	'MemAvailable',
	'VmallocUsed',
	'Percpu',
	'KernelStack',
	'PageTables',
	'SUnreclaim',
	'Slab',
] as const;

export type MemField = (typeof memFieldNames)[number];
export type MemFields = Record<MemField, number>;

// Parse /proc/meminfo into kB values by field name (unitless HugePages_* counts are left out).
export function parseMeminfo(text: string): Record<string, number> {
	// Lines without a unit are page counts, not kB: checked for shape, but not mixed in.
	const values: Record<string, number> = {};
	for (const {lineNumber, line} of contentLines(text)) {
		const match = /^([A-Za-z0-9_()]+):\s+(\d+)(\s+kB)?\s*$/.exec(line);
		const [, name = '', value = '', unit] = match ?? [];
		if (!match) {
			throw new MemoryParseError('expected "Name:  <number> [kB]"', {source: '/proc/meminfo', lineNumber, line});
		}
		if (Object.hasOwn(values, name)) {
			throw new MemoryParseError(`duplicate field ${name}`, {source: '/proc/meminfo', lineNumber, line});
		}
		if (unit !== undefined) values[name] = Number(value);
	}
	return values;
}

// Pick the fields in memFieldNames from parsed /proc/meminfo; throws naming any the kernel did not print.
export function pickMemFields(meminfo: Readonly<Record<string, number>>): MemFields {
	const missing = memFieldNames.filter(name => meminfo[name] === undefined);
	if (missing.length > 0) {
		throw new KplugError(`/proc/meminfo lacks ${missing.join(', ')}`);
	}
	return Object.fromEntries(memFieldNames.map(name => [name, meminfo[name] ?? 0])) as MemFields;
}
