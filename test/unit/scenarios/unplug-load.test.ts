import test from 'ava';
import {parseUnplugLoad, unplugLoadScript} from '../../../harness/scenarios/unplug-load.ts';

test('the guest script is bounded by iterations and seconds, starts and stops the caller thread', t => {
	const script = unplugLoadScript('/lib/modules/6.1.176/kernel/kplug/curve25519-neon.ko', 100, 40);
	t.regex(script, /echo 1 > \$P\/load/);
	t.regex(script, /echo 0 > \$P\/load/);
	t.regex(script, /while \[ \$i -lt 100 \] && \[ \$\(date \+%s\) -lt \$end \]/);
	t.regex(script, /end=\$\(\( \$\(date \+%s\) \+ 40 \)\)/);
	t.regex(script, /\/sbin\/rmmod curve25519_neon/);
	// Bare names would run busybox's applets inside busybox sh, not kmod.
	t.notRegex(script, /[^/]rmmod |[^/]insmod /);
	t.regex(script, /\/sbin\/insmod \/lib\/modules\/6\.1\.176\/kernel\/kplug\/curve25519-neon\.ko/);
	t.regex(script, /P=\/sys\/module\/kplug_x25519\/parameters/);
});

test('parseUnplugLoad reads the counts and groups refusals by message', t => {
	const out = [
		'refused: rmmod: ERROR: Module curve25519_neon is in use by: libcurve25519',
		'insert-failed: insmod: ERROR: could not insert module /lib/modules/6.1.176/kernel/kplug/curve25519-neon.ko: File exists',
		'refused: rmmod: ERROR: Module curve25519_neon is in use by: libcurve25519',
		'iterations=2 removed=0 removeRefused=2 inserted=0 insertFailed=2 callerRanAcross=2',
		'calls=5123 wrong=0',
	].join('\n');
	t.deepEqual(parseUnplugLoad(out), {
		iterations: 2, removed: 0, removeRefused: 2, inserted: 0, insertFailed: 2, callerRanAcross: 2, calls: 5123, wrong: 0,
		refusals: {
			'refused: rmmod: ERROR: Module curve25519_neon is in use by: libcurve25519': 2,
			'insert-failed: insmod: ERROR: could not insert module curve25519-neon.ko: File exists': 1,
		},
	});
	t.deepEqual(parseUnplugLoad('').iterations, 0);
	t.is(parseUnplugLoad('iterations=7 refusals=9').iterations, 7);
	t.deepEqual(parseUnplugLoad('iterations=7 refusals=9').refusals, {});
});
