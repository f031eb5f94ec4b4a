import test from 'ava';
import {ktapFromLog, kunitLine, kunitSummary} from '../../../harness/vectors/kunit-result.ts';

// The kernel log around a KUnit module's load, as dmesg prints it: the top-level KTAP header, the suite's own
// (indented) one, and other kernel lines in between.
const dmesg = [
	'[    0.300000] Run /sbin/kplug-agent as init process',
	'[    5.000000] KTAP version 1',
	'[    5.000001] 1..1',
	'[    5.000002]     KTAP version 1',
	'[    5.000003]     # Subtest: old',
	'[    5.100000] ok 1 old',
	'[    9.000000] KTAP version 1',
	'[    9.000001] 1..1',
	'[    9.000002]     KTAP version 1',
	'[    9.000003]     # Subtest: curve25519',
	'[    9.000004]     # module: curve25519_kunit',
	'[    9.000005]     1..3',
	'[    9.200000]     ok 1 test_curve25519',
	'[    9.300000]     ok 2 test_curve25519_basepoint',
	'[    9.300001]     ok 3 benchmark_curve25519 # SKIP not enabled',
	'[    9.300002] # curve25519: pass:2 fail:0 skip:1 total:3',
	'[    9.300003] ok 1 curve25519',
	'',
].join('\n');

test('ktapFromLog: from the last top-level KTAP header (not the suite\'s indented one) to the end, timestamps removed', t => {
	const ktap = ktapFromLog(dmesg);
	t.is(ktap[0], 'KTAP version 1');
	t.is(ktap[3], '    # Subtest: curve25519');
	t.is(ktap.at(-1), 'ok 1 curve25519');
	t.false(ktap.some(l => l.includes('old')));
	t.deepEqual(ktapFromLog('[    1.0] nothing here\n'), []);
});

test('kunitSummary/kunitLine: counts as kunit.py gives them, and what kept the suite from running', t => {
	const counts = {total: 3, passed: 2, failed: 0, skipped: 1, crashed: 0, errors: 0, exitCode: 0};
	t.is(kunitSummary(counts), '2/3 passed, 1 skipped');
	t.is(kunitLine({suite: 'curve25519', module: 'curve25519_kunit.ko', ktap: [], counts}), 'KUnit curve25519: 2/3 passed, 1 skipped (kunit.py parse)');
	t.is(kunitLine({suite: 'curve25519', module: 'curve25519_kunit.ko', ktap: [], loadError: 'insmod curve25519_kunit.ko: Unknown symbol'}), 'KUnit curve25519: no KTAP printed; insmod curve25519_kunit.ko: Unknown symbol');
	t.is(kunitSummary({...counts, failed: 1, passed: 1}), '1/3 passed, 1 failed, 1 skipped');
});
