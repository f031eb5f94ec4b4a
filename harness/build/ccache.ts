// ccache's own counters (`ccache --print-stats`): read before and after builds to report their hit rate.
import {run} from '../util/exec.ts';

// The counters kplug reads, by ccache's --print-stats names.
export type CcacheCounters = Record<string, number>;

export interface CcacheDelta {
	// Compilations ccache could cache: hits + misses.
	cacheable: number;
	hits: number;
	// Hits found from the manifest (direct mode) vs. by hashing the preprocessor output.
	direct: number;
	preprocessed: number;
	misses: number;
	// hits / cacheable; undefined when nothing cacheable was compiled.
	hitRate: number | undefined;
}

// Arguments for reading a cache's counters in machine form (ccache ≥ 4.4).
export function ccacheStatsArgs(): string[] {
	return ['--print-stats'];
}

// "name<TAB>value" lines → counters; other lines are ignored.
export function parseCcacheStats(text: string): CcacheCounters {
	const counters: CcacheCounters = {};
	for (const line of text.split('\n')) {
		const match = /^([a-z_]+)\t(-?\d+)$/.exec(line.trim());
		if (match) counters[match[1]!] = Number(match[2]);
	}
	return counters;
}

// What was compiled between two readings of the same cache (a zeroed cache reads as a fresh start).
export function ccacheDelta(before: CcacheCounters, after: CcacheCounters): CcacheDelta {
	const zeroed = (after['stats_zeroed_timestamp'] ?? 0) !== (before['stats_zeroed_timestamp'] ?? 0);
	const diff = (name: string): number => Math.max(0, (after[name] ?? 0) - (zeroed ? 0 : before[name] ?? 0));
	const direct = diff('direct_cache_hit');
	const preprocessed = diff('preprocessed_cache_hit');
	const hits = direct + preprocessed;
	const misses = diff('cache_miss');
	const cacheable = hits + misses;
	return {cacheable, hits, direct, preprocessed, misses, hitRate: cacheable > 0 ? hits / cacheable : undefined};
}

// "47 of 87 (54%; 25 direct, 22 preprocessed)", or a note that nothing was compiled.
export function describeCcacheDelta(d: CcacheDelta): string {
	if (d.hitRate === undefined) return 'nothing compiled';
	return `${d.hits} of ${d.cacheable} (${Math.round(d.hitRate * 100)}%; ${d.direct} direct, ${d.preprocessed} preprocessed)`;
}

// Read the counters of the cache in ccacheDir; undefined if ccache is missing or says nothing useful.
export async function readCcacheStats(ccacheDir: string): Promise<CcacheCounters | undefined> {
	const result = await run('ccache', ccacheStatsArgs(), {env: {CCACHE_DIR: ccacheDir}, timeoutMs: 30_000}).catch(() => undefined);
	const counters = result ? parseCcacheStats(result.stdout) : {};
	return 'cache_miss' in counters ? counters : undefined;
}
