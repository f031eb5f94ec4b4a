import {writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import test from 'ava';
import {consoleEventsIn} from '../../../harness/vm/console-watch.ts';
import {tempDir} from '../../_temp.ts';

// The console of a real cell (softdep/thumb2/neon/unplug-under-load, 6.1) whose caller thread hit a BUG_ON in
// __symbol_get while curve25519_neon was going away; kthread_stop then waited for it forever (guest-stuck).
const console = [
	'curve25519_neon: NEON present: exporting curve25519_arch/curve25519_base_arch (GPL)',
	'------------[ cut here ]------------',
	'kernel BUG at ../../src/linux-6.1.176-1-78cb82f50374/kernel/module/main.c:150!',
	'Internal error: Oops - BUG: 0 [#1] SMP THUMB2',
	'PC is at __symbol_get+0x56/0x68',
	' __symbol_get from curve25519+0x15/0x80 [libcurve25519]',
	' curve25519 [libcurve25519] from kplug_load_fn+0x29/0x64 [kplug_x25519]',
	'curve25519_neon: NEON present: exporting curve25519_arch/curve25519_base_arch (GPL)',
].join('\n');

test('consoleEventsIn: the events of a console log, first first, as "kind: line"; a missing file has none', async t => {
	const dir = await tempDir(t, 'console');
	await writeFile(join(dir, 'console.log'), console);
	t.deepEqual(await consoleEventsIn(join(dir, 'console.log')), [
		'bug: kernel BUG at ../../src/linux-6.1.176-1-78cb82f50374/kernel/module/main.c:150!',
		'oops: Internal error: Oops - BUG: 0 [#1] SMP THUMB2',
		'call-trace:  __symbol_get from curve25519+0x15/0x80 [libcurve25519]',
		'call-trace:  curve25519 [libcurve25519] from kplug_load_fn+0x29/0x64 [kplug_x25519]',
	]);
	t.deepEqual(await consoleEventsIn(join(dir, 'console.log'), 2), ['bug: kernel BUG at ../../src/linux-6.1.176-1-78cb82f50374/kernel/module/main.c:150!', 'oops: Internal error: Oops - BUG: 0 [#1] SMP THUMB2']);
	t.deepEqual(await consoleEventsIn(join(dir, 'nothing.log')), []);
});
