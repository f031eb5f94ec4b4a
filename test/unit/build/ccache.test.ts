import test from 'ava';
import {ccacheDelta, ccacheStatsArgs, describeCcacheDelta, parseCcacheStats} from '../../../harness/build/ccache.ts';

// What `ccache --print-stats` (4.7) prints, trimmed.
const before = `autoconf_test\t0
cache_miss\t40
direct_cache_hit\t25
direct_cache_miss\t66
files_in_cache\t279
preprocessed_cache_hit\t22
preprocessed_cache_miss\t40
stats_zeroed_timestamp\t1796055236
`;
const after = before
	.replace('cache_miss\t40\n', 'cache_miss\t48\n')
	.replace('direct_cache_hit\t25', 'direct_cache_hit\t45')
	.replace('preprocessed_cache_hit\t22', 'preprocessed_cache_hit\t34');

test('ccacheStatsArgs: the machine-readable counters', t => {
	t.deepEqual(ccacheStatsArgs(), ['--print-stats']);
});

test('parseCcacheStats: name<TAB>value lines become numbers; anything else is skipped', t => {
	const counters = parseCcacheStats(`${before}garbage line\nname with space\t3\n`);
	t.is(counters['cache_miss'], 40);
	t.is(counters['direct_cache_hit'], 25);
	t.is(counters['stats_zeroed_timestamp'], 1796055236);
	t.false('garbage' in counters);
	t.is(Object.keys(counters).length, 8);
});

test('ccacheDelta: hits (direct + preprocessed) and misses between two readings, and the rate', t => {
	const d = ccacheDelta(parseCcacheStats(before), parseCcacheStats(after));
	t.deepEqual(d, {cacheable: 40, hits: 32, direct: 20, preprocessed: 12, misses: 8, hitRate: 0.8});
});

test('ccacheDelta: a cache zeroed in between counts from zero', t => {
	const zeroed = 'cache_miss\t3\ndirect_cache_hit\t1\npreprocessed_cache_hit\t0\nstats_zeroed_timestamp\t1796099999\n';
	const d = ccacheDelta(parseCcacheStats(before), parseCcacheStats(zeroed));
	t.is(d.misses, 3);
	t.is(d.hits, 1);
	t.is(d.hitRate, 0.25);
});

test('ccacheDelta: nothing compiled has no rate, and says so', t => {
	const d = ccacheDelta(parseCcacheStats(before), parseCcacheStats(before));
	t.is(d.cacheable, 0);
	t.is(d.hitRate, undefined);
	t.is(describeCcacheDelta(d), 'nothing compiled');
});

test('describeCcacheDelta: counts, whole percent, how the hits were found', t => {
	t.is(describeCcacheDelta(ccacheDelta(parseCcacheStats(before), parseCcacheStats(after))), '32 of 40 (80%; 20 direct, 12 preprocessed)');
});
