import {readFileSync} from 'node:fs';
import test from 'ava';
import {classifyLine, ConsoleWatcher, type ConsoleEvent, type ConsoleEventKind} from '../../../harness/vm/console-watch.ts';

// Recorded ARM 6.1 consoles (no printk timestamps: allnoconfig leaves CONFIG_PRINTK_TIME off).
const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/console/${name}`, import.meta.url), 'utf8');
const cleanBoot = fixture('clean-boot.txt');
const sysrqCrash = fixture('sysrq-crash.txt');
const moduleWarning = fixture('module-warning.txt');

function watch(text: string, chunkSize = Number.POSITIVE_INFINITY): ConsoleWatcher {
	const watcher = new ConsoleWatcher();
	const bytes = Buffer.from(text);
	for (let i = 0; i < bytes.length; i += chunkSize) watcher.push(bytes.subarray(i, i + chunkSize));
	return watcher;
}

const kinds = (events: readonly ConsoleEvent[]): ConsoleEventKind[] => events.map(e => e.kind);
// The unwinder's " callee from caller+0xOFF/0xSIZE" lines of a transcript, in order.
const frameLines = (text: string): string[] => text.split('\n').filter(l => / from \S+\+0x[0-9a-f]+\/0x[0-9a-f]+/.test(l));

test('clean boot: no events, the tail is the last lines', t => {
	const watcher = watch(cleanBoot);
	t.deepEqual(watcher.events, []);
	t.is(watcher.tailText(3), ['Freeing unused kernel image (initmem) memory: 1024K', 'Run /init as init process', 'kplug-init: starting agent'].join('\n'));
});

test('sysrq crash: the panic first, then every unwind "from" line as call-trace, in order', t => {
	const watcher = watch(sysrqCrash);
	const frames = frameLines(sysrqCrash);
	t.is(frames.length, 10);
	t.deepEqual(kinds(watcher.events), ['panic', ...frames.map(() => 'call-trace' as const)]);
	t.is(watcher.events[0]?.line, 'Kernel panic - not syncing: sysrq triggered crash');
	t.deepEqual(
		watcher.events.slice(1).map(e => e.line),
		frames,
	);
	t.is(watcher.events[4]?.line, ' panic from sysrq_handle_crash+0x1c/0x20');
	// The sysrq announcement, the registers and the exception stack are context, not events.
	t.false(watcher.events.some(e => /sysrq: Trigger|Exception stack|^1f[ace]0:|Hardware name/.test(e.line)));
	t.regex(watcher.tailText(25), /sysrq: Trigger a crash\nKernel panic - not syncing: sysrq triggered crash\n/);
});

test('module WARNING: warn first (not panic or oops), then its built-in call-trace frames', t => {
	const watcher = watch(moduleWarning);
	t.is(watcher.events[0]?.kind, 'warn');
	t.is(
		watcher.events[0]?.line,
		'WARNING: CPU: 0 PID: 57 at /run/modules/curve25519-test/main.c:42 kplug_init+0x2c/0x1000 [curve25519_test]',
	);
	t.false(watcher.events.some(e => e.kind === 'panic' || e.kind === 'oops' || e.kind === 'bug'));
	// The frame whose callee is a module symbol is left out here: see the known failure below.
	const builtIn = frameLines(moduleWarning).filter(l => !/^\s*\S+ \[\S+\] from /.test(l));
	t.is(builtIn.length, 8);
	t.deepEqual(
		watcher.events.slice(1).filter(e => !/^\s*\S+ \[\S+\] from /.test(e.line)),
		builtIn.map(line => ({kind: 'call-trace', line})),
	);
	// The cut-here marker, the message and the end marker are not events of their own.
	t.false(watcher.events.some(e => /cut here|end trace|self-test/.test(e.line)));
});

// Known bug (reported): a frame whose callee is in a module prints as "fn [mod] from caller+0x…/0x…",
// which the call-trace pattern does not match. Flip to `test` once console-watch.ts is fixed.
test('module WARNING: every unwind line, module frames too, is call-trace', t => {
	const watcher = watch(moduleWarning);
	const frames = frameLines(moduleWarning);
	t.is(frames.length, 9);
	t.deepEqual(kinds(watcher.events), ['warn', ...frames.map(() => 'call-trace' as const)]);
	t.deepEqual(classifyLine(' kplug_init [curve25519_test] from do_one_initcall+0x50/0x1f0')?.kind, 'call-trace');
});

const sameInChunks = test.macro<[number]>({
	exec(t, size: number) {
		for (const text of [sysrqCrash, moduleWarning, cleanBoot]) {
			const whole = watch(text);
			const split = watch(text, size);
			t.deepEqual(split.events, whole.events);
			t.is(split.tailText(60), whole.tailText(60));
		}
	},
	title: (provided = '', size) => `${provided} events and tail are the same when fed in ${size}-byte chunks`.trim(),
});
test(sameInChunks, 1);
test(sameInChunks, 7);
test(sameInChunks, 64);

test('a line split across chunks is joined before it is classified', t => {
	const watcher = new ConsoleWatcher();
	const lines: string[] = [];
	watcher.onLine(line => lines.push(line));
	watcher.push('sysrq: Trigger a crash\nKernel pa');
	t.deepEqual(watcher.events, []);
	t.deepEqual(lines, ['sysrq: Trigger a crash']);
	watcher.push(Buffer.from('nic - not syncing: sysrq '));
	t.deepEqual(watcher.events, []);
	watcher.push('triggered crash\n');
	t.deepEqual(watcher.events, [{kind: 'panic', line: 'Kernel panic - not syncing: sysrq triggered crash'}]);
	t.deepEqual(lines, ['sysrq: Trigger a crash', 'Kernel panic - not syncing: sysrq triggered crash']);
});

test('serial CRLF line ends are stripped, also when \\r and \\n arrive in different chunks', t => {
	const watcher = new ConsoleWatcher();
	watcher.push('WARNING: CPU: 0 PID: 57 at lib/x.c:1 f+0x0/0x4\r');
	watcher.push('\nnext\r\n');
	t.deepEqual(watcher.events, [{kind: 'warn', line: 'WARNING: CPU: 0 PID: 57 at lib/x.c:1 f+0x0/0x4'}]);
	t.is(watcher.tailText(), 'WARNING: CPU: 0 PID: 57 at lib/x.c:1 f+0x0/0x4\nnext');
});

test('flush handles a last line without a newline, once', t => {
	const watcher = new ConsoleWatcher();
	watcher.push('Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100');
	t.deepEqual(watcher.events, []);
	// The unfinished line already shows in the tail.
	t.is(watcher.tailText(1), 'Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100');
	watcher.flush();
	watcher.flush();
	t.deepEqual(kinds(watcher.events), ['panic']);
	t.is(watcher.tailText(5), 'Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100');
});

test('tailText returns the last N lines and never more than the tail size', t => {
	const watcher = new ConsoleWatcher(4);
	watcher.push(Array.from({length: 10}, (_, i) => `line ${i}`).join('\n') + '\n');
	t.is(watcher.tailText(2), 'line 8\nline 9');
	t.is(watcher.tailText(100), 'line 6\nline 7\nline 8\nline 9');
	t.is(new ConsoleWatcher().tailText(), '');
	const big = watch(cleanBoot);
	t.is(big.tailText().split('\n').length, 25);
	t.is(big.tailText().split('\n').at(-1), 'kplug-init: starting agent');
});

test('onEvent and onLine listeners see events as they happen and stop after unsubscribing', t => {
	const watcher = new ConsoleWatcher();
	const seen: ConsoleEventKind[] = [];
	const lines: string[] = [];
	const off = watcher.onEvent(e => seen.push(e.kind));
	const offLines = watcher.onLine(l => lines.push(l));
	watcher.push('------------[ cut here ]------------\nWARNING: CPU: 0 PID: 1 at a.c:1 f+0x0/0x4\n');
	off();
	offLines();
	watcher.push('Kernel panic - not syncing: later\n');
	t.deepEqual(seen, ['warn']);
	t.deepEqual(lines, ['------------[ cut here ]------------', 'WARNING: CPU: 0 PID: 1 at a.c:1 f+0x0/0x4']);
	// The watcher itself keeps every event.
	t.deepEqual(kinds(watcher.events), ['warn', 'panic']);
});

// Known bug (reported): a second call of an unsubscribe function splices index -1 and removes
// another listener. Flip to `test` once console-watch.ts is fixed.
test('unsubscribing twice leaves the other listeners alone', t => {
	const watcher = new ConsoleWatcher();
	const seen: string[] = [];
	const off = watcher.onEvent(() => seen.push('first'));
	watcher.onEvent(() => seen.push('second'));
	off();
	off();
	watcher.push('Kernel panic - not syncing: x\n');
	t.deepEqual(seen, ['second']);
});

const classifies = test.macro<[string, ConsoleEventKind | undefined]>({
	exec(t, line: string, kind: ConsoleEventKind | undefined) {
		t.is(classifyLine(line)?.kind, kind);
		if (kind) t.is(classifyLine(line + '  ')?.line, line.trimEnd());
	},
	title: (provided = '', line, kind) => `${provided} ${kind ?? 'nothing'}: ${JSON.stringify(line)}`.trim(),
});

test(classifies, 'Kernel panic - not syncing: sysrq triggered crash', 'panic');
test(classifies, '---[ end Kernel panic - not syncing: Attempted to kill init! exitcode=0x0000000b ]---', 'panic');
test(classifies, 'Internal error: Oops: 817 [#1] ARM', 'oops');
test(classifies, 'Unable to handle kernel NULL pointer dereference at virtual address 00000000 when write', 'oops');
test(classifies, 'Unable to handle kernel paging request at virtual address bf000000 when execute', 'oops');
test(classifies, 'kernel BUG at mm/slub.c:4378!', 'bug');
test(classifies, 'BUG: sleeping function called from invalid context at kernel/locking/mutex.c:580', 'bug');
test(classifies, 'BUG: scheduling while atomic: insmod/57/0x00000002', 'bug');
test(classifies, 'WARNING: CPU: 0 PID: 57 at lib/crypto/curve25519.c:20 curve25519_init+0x10/0x40', 'warn');
test(classifies, ' unwind_backtrace from show_stack+0x10/0x14', 'call-trace');
test(classifies, ' warn_slowpath_fmt from kplug_init+0x2c/0x1000 [curve25519_test]', 'call-trace');
test(classifies, 'Backtrace: ', 'call-trace');
test(classifies, 'Call trace: ', 'call-trace');
test(classifies, 'sysrq: Trigger a crash', undefined);
test(classifies, '------------[ cut here ]------------', undefined);
test(classifies, '---[ end trace 0000000000000000 ]---', undefined);
test(classifies, 'Exception stack(0xc8a61fa8 to 0xc8a61ff0)', undefined);
test(classifies, 'Run /init as init process', undefined);
test(classifies, 'kplug-agent: exec /bin/false: No such file or directory', undefined);
test(classifies, 'psci: probing for conduit method from DT.', undefined);
test(classifies, '', undefined);

// Known bug (reported): with printk timestamps (printk.time=1 or CONFIG_PRINTK_TIME) the anchored
// call-trace pattern no longer matches, though panic/WARNING lines still do.
test('a timestamped unwind line is call-trace too', t => {
	t.is(classifyLine('[   12.345678] WARNING: CPU: 0 PID: 57 at a.c:1 f+0x0/0x4')?.kind, 'warn');
	t.is(classifyLine('[   12.345678]  panic from sysrq_handle_crash+0x1c/0x20')?.kind, 'call-trace');
});
