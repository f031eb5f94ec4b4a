import test from 'ava';
import {stagingDir} from '../../../harness/build/module-sets.ts';

// ccache (CCACHE_BASEDIR = the cache) hashes the M= folder's path relative to the kernel folder: it must not change
// from one build of a set to the next, or every object misses.
test('stagingDir: one fixed folder per profile and set under the cache, the same on every call', t => {
	t.is(stagingDir('/c', 'thumb2', 'weak'), '/c/modules/.staging/thumb2-weak');
	t.is(stagingDir('/c', 'thumb2', 'weak'), stagingDir('/c', 'thumb2', 'weak'));
	t.not(stagingDir('/c', 'thumb2', 'weak'), stagingDir('/c', 'thumb2-noplts', 'weak'));
	t.not(stagingDir('/c', 'thumb2', 'weak'), stagingDir('/c', 'thumb2', 'softdep'));
});
