// kplug cache: what the cache holds, and pruning what no run has used for a while.
import {stat} from 'node:fs/promises';
import {listCache, prune, pruneSelection, type CacheEntry} from '../util/cache-entries.ts';
import {UsageError} from '../util/errors.ts';
import {cacheNamedBy, output, type Command} from './command.ts';

const defaultUnusedDays = 30;

function mb(bytes: number): string {
	if (bytes < 1e6) return `${Math.round(bytes / 1e3)} kB`;
	return `${(bytes / 1e6).toFixed(bytes >= 1e8 ? 0 : 1)} MB`;
}

function daysAgo(then: Date, now: Date): string {
	const days = Math.floor((now.getTime() - then.getTime()) / 86_400_000);
	return days <= 0 ? 'today' : days === 1 ? '1 day ago' : `${days} days ago`;
}

function line(e: CacheEntry, now: Date): string {
	const what = {
		entry: `last used ${daysAgo(e.lastUsed, now)}`,
		building: 'being built by a live process',
		leftover: 'left by an interrupted build',
		unknown: 'not published by kplug (no completion marker): never removed',
	}[e.state];
	return `  ${e.kind.padEnd(8)} ${e.name.padEnd(48)} ${mb(e.bytes).padStart(9)}  ${what}`;
}

const asJson = (e: CacheEntry): Record<string, unknown> => ({kind: e.kind, name: e.name, path: e.path, bytes: e.bytes, state: e.state, lastUsed: e.lastUsed.toISOString()});

export const cacheCommand: Command = {
	name: 'cache',
	summary: 'list the cache (sources, kernels, module sets, images, guest packages) and prune what no run has used',
	usage: 'kplug cache [--prune] [--unused-for DAYS] [--cache DIR] [--json]',
	details: `Each entry: its size and when a kplug process last used it. --prune removes entries unused for DAYS days
(default ${defaultUnusedDays}; 0: every entry) and folders interrupted builds left behind. It removes nothing while another
kplug process uses the cache (exit 1, naming it), and never a folder kplug did not publish. Without --prune it lists
what --prune would remove. ccache keeps its own size limit.
Exit: 0 listed or pruned, 1 the cache is in use or a folder could not be removed, 2 bad input.`,
	options: {prune: {type: 'boolean'}, 'unused-for': {type: 'string'}},
	writes: ['cache'],
	async run(args) {
		const raw = args.values['unused-for'];
		if (raw !== undefined && (typeof raw !== 'string' || !/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw)))) {
			throw new UsageError(`--unused-for must be a whole number of days, got "${String(raw)}"`);
		}
		const days = raw === undefined ? defaultUnusedDays : Number(raw);
		// A named cache folder that does not exist is a typo, not an empty cache (the default one may not exist yet).
		const named = cacheNamedBy(args);
		if (named && !(await stat(args.cacheDir).then(info => info.isDirectory(), () => false))) throw new UsageError(`${named} ${args.cacheDir}: no such folder, so no kplug cache there`);
		const now = new Date();
		if (args.values['prune'] === true) {
			const {removed, kept} = await prune(args.cacheDir, days, now);
			const freed = removed.reduce((sum, e) => sum + e.bytes, 0);
			const human = [
				`removed ${removed.length} entries (${mb(freed)}) unused for ${days} days or left by interrupted builds; ${kept.length} kept (${mb(kept.reduce((s, e) => s + e.bytes, 0))})`,
				...removed.map(e => line(e, now)),
			].join('\n');
			output(args, {cacheDir: args.cacheDir, unusedForDays: days, removed: removed.map(asJson), freedBytes: freed, kept: kept.map(asJson)}, human);
			return 0;
		}
		const entries = await listCache(args.cacheDir);
		const stale = pruneSelection(entries, days, now);
		const total = entries.reduce((sum, e) => sum + e.bytes, 0);
		const human = [
			`${args.cacheDir}: ${entries.length} entries, ${mb(total)}`,
			...entries.map(e => line(e, now)),
			stale.length
				? `kplug cache --prune would remove ${stale.length} of them (${mb(stale.reduce((s, e) => s + e.bytes, 0))}): unused for ${days} days or left by interrupted builds`
				: `nothing unused for ${days} days or left by interrupted builds`,
		].join('\n');
		output(args, {cacheDir: args.cacheDir, totalBytes: total, entries: entries.map(asJson), unusedForDays: days, wouldRemove: stale.map(e => e.path)}, human);
		return 0;
	},
};
