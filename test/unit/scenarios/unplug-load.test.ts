import test from 'ava';
import {afterRemovalScript, parseAfterRemoval, parseUnplugLoad, unplugLoadScript} from '../../../harness/scenarios/unplug-load.ts';

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
	t.regex(script.slice(idle), /then echo "idle=removed"; else echo "idle=refused"; echo "idle-refused: \$m"; fi\nelse echo "idle=absent"; fi/);
	// A removed module stays out: the after-removal run needs it absent.
	t.notRegex(script.slice(idle), /insmod/);
});

test('the after-removal script runs the caller until enough calls (bounded), stops it, then inserts the arch module again', t => {
	const script = afterRemovalScript('/lib/modules/6.1.176/kernel/kplug/curve25519-neon.ko', 20, 10);
	const start = script.indexOf('echo 1 > $P/load');
	const wait = script.indexOf('while [ $(cat $P/load_calls) -lt 20 ] && [ $(date +%s) -lt $end ]; do sleep 1; done');
	const stop = script.indexOf('echo 0 > $P/load');
	const counts = script.indexOf('echo "afterCalls=$(cat $P/load_calls) afterWrong=$(cat $P/load_wrong)"');
	const insert = script.indexOf("grep -q '^curve25519_neon ' /proc/modules || m=$(/sbin/insmod /lib/modules/6.1.176/kernel/kplug/curve25519-neon.ko 2>&1) || echo \"insert-failed: $m\"");
	t.true(start > 0 && wait > start && stop > wait && counts > stop && insert > counts, script);
	t.regex(script, /end=\$\(\( \$\(date \+%s\) \+ 10 \)\)/);
});

test('parseAfterRemoval reads the counts and a failed re-insert', t => {
	t.deepEqual(parseAfterRemoval('afterCalls=923 afterWrong=0\n', 0), {after: {exitCode: 0, calls: 923, wrong: 0}});
	t.deepEqual(parseAfterRemoval('afterCalls=5 afterWrong=2\ninsert-failed: insmod: ERROR: could not insert module: Exec format error\n', 0), {
		after: {exitCode: 0, calls: 5, wrong: 2},
		reinsertFailed: 'insmod: ERROR: could not insert module: Exec format error',
	});
	// The thread could not start: no counts, the exit code kept.
	t.deepEqual(parseAfterRemoval('load-thread: could not start\n', 90), {after: {exitCode: 90, calls: 0, wrong: 0}});
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
