import test from 'ava';
import {parseUnplugLoad, unplugLoadScript} from '../../../harness/scenarios/unplug-load.ts';

test('the guest script is bounded by iterations and seconds, starts and stops the caller thread', t => {
	const script = unplugLoadScript('/lib/modules/6.1.176/kernel/kplug/curve25519-neon.ko', 100, 40);
	t.regex(script, /echo 1 > \$P\/load/);
	t.regex(script, /echo 0 > \$P\/load/);
	t.regex(script, /while \[ \$i -lt \$n \] && \[ \$\(date \+%s\) -lt \$end \]/);
	// 100 iterations, or none when the arch module is not loaded before the loop.
	t.regex(script, /n=100; grep -q '\^curve25519_neon ' \/proc\/modules \|\| \{ n=0; echo "arch-not-loaded"; \}\nwhile/);
	t.regex(script, /end=\$\(\( \$\(date \+%s\) \+ 40 \)\)/);
	t.regex(script, /\/sbin\/rmmod curve25519_neon/);
	// Bare names would run busybox's applets inside busybox sh, not kmod.
	t.notRegex(script, /[^/]rmmod |[^/]insmod /);
	t.regex(script, /\/sbin\/insmod \/lib\/modules\/6\.1\.176\/kernel\/kplug\/curve25519-neon\.ko/);
	t.regex(script, /P=\/sys\/module\/kplug_x25519\/parameters/);
	// The idle removal comes after the caller thread is stopped, and only if the arch module is loaded.
	const stop = script.indexOf('echo 0 > $P/load');
	const idle = script.indexOf("if grep -q '^curve25519_neon ' /proc/modules");
	t.true(stop > 0 && idle > stop);
	t.regex(script.slice(idle), /then echo "idle=removed"; else echo "idle=refused"; echo "idle-refused: \$m"; fi\n.*\nelse echo "idle=absent"; fi/);
	// … and inserted again, so the end-of-cell probes see the state the loop left.
	t.regex(script.slice(idle), /grep -q '\^curve25519_neon ' \/proc\/modules \|\| m=\$\(\/sbin\/insmod \/lib\/modules\/6\.1\.176\/kernel\/kplug\/curve25519-neon\.ko 2>&1\) \|\| echo "insert-failed: \$m"/);
});

test('parseUnplugLoad reads the counts and groups refusals by message', t => {
	const out = [
		'refused: rmmod: ERROR: Module curve25519_neon is in use by: libcurve25519',
		'insert-failed: insmod: ERROR: could not insert module /lib/modules/6.1.176/kernel/kplug/curve25519-neon.ko: File exists',
		'refused: rmmod: ERROR: Module curve25519_neon is in use by: libcurve25519',
		'iterations=2 removed=0 removeRefused=2 inserted=0 insertFailed=2 callerRanAcross=2',
		'calls=5123 wrong=0',
		'idle=refused',
		'idle-refused: rmmod: ERROR: Module curve25519_neon is in use by: libcurve25519',
	].join('\n');
	t.deepEqual(parseUnplugLoad(out), {
		iterations: 2, removed: 0, removeRefused: 2, inserted: 0, insertFailed: 2, callerRanAcross: 2, calls: 5123, wrong: 0,
		refusals: {
			'refused: rmmod: ERROR: Module curve25519_neon is in use by: libcurve25519': 2,
			'insert-failed: insmod: ERROR: could not insert module curve25519-neon.ko: File exists': 1,
			'idle-refused: rmmod: ERROR: Module curve25519_neon is in use by: libcurve25519': 1,
		},
		idle: 'refused',
	});
	t.is(parseUnplugLoad('iterations=3\nidle=removed').idle, 'removed');
	t.is(parseUnplugLoad('iterations=3\nidle=absent').idle, 'absent');
	// A truncated or garbled answer is not taken as a result.
	t.is(parseUnplugLoad('iterations=3').idle, 'unknown');
	t.is(parseUnplugLoad('iterations=3\nidle=maybe').idle, 'unknown');
	t.deepEqual(parseUnplugLoad('').iterations, 0);
	t.is(parseUnplugLoad('iterations=7 refusals=9').iterations, 7);
	t.deepEqual(parseUnplugLoad('iterations=7 refusals=9').refusals, {});
});
