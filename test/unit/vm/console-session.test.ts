import test from 'ava';
import {readFile} from 'node:fs/promises';
import {join} from 'node:path';
import {PassThrough} from 'node:stream';
import {repoPath} from '../../../harness/util/paths.ts';
import {liveCount} from '../../../harness/util/reaper.ts';
import {plainLineEnds, runConsoleSession, SessionFramer, shellHelperArgv} from '../../../harness/vm/console-session.ts';
import {RequestTimeoutError} from '../../../harness/vm/errors.ts';
import {startVm} from '../../../harness/vm/vm.ts';
import {tempDir, type Teardown} from '../../_temp.ts';

const marker = '0a1b2c3d4e5f6789';
const session = 'prompt# lsmod\r\nModule  Size  Used by\r\nkplug-shell:ffff:exit:9 (another session\'s line is output)\r\n';
const consoleBytes = Buffer.from(`[    0.5] Booting Linux\r\nkplug-shell:${marker}:ready\r\n${session}kplug-shell:${marker}:exit:42\r\n[    9.9] reboot: Power down\r\n`);

function frame(chunks: Buffer[]): {out: string; framer: SessionFramer} {
	const framer = new SessionFramer(marker);
	const out = chunks.map(c => framer.push(c).toString('latin1')).join('');
	return {out, framer};
}

test('SessionFramer: the session\'s bytes exactly (no boot log, no marker lines, nothing after), whatever the chunking', t => {
	for (let cut = 0; cut <= consoleBytes.length; cut++) {
		const {out, framer} = frame([consoleBytes.subarray(0, cut), consoleBytes.subarray(cut)]);
		if (out !== session || framer.state.kind !== 'closed' || framer.state.exitCode !== 42) {
			t.fail(`split at ${cut}: ${JSON.stringify(out)} ${JSON.stringify(framer.state)}`);
			return;
		}
	}
	const byteByByte = frame([...consoleBytes].map(b => Buffer.from([b])));
	t.is(byteByByte.out, session);
	t.deepEqual(byteByByte.framer.state, {kind: 'closed', exitCode: 42});
});

test('SessionFramer: waits, then opens on the ready line, and stays open until its own exit line', t => {
	const framer = new SessionFramer(marker);
	t.is(framer.push(Buffer.from('boot noise\n')).length, 0);
	t.deepEqual(framer.state, {kind: 'waiting'});
	t.is(framer.push(Buffer.from(`kplug-shell:${marker}:ready\nhi\n`)).toString(), 'hi\n');
	t.deepEqual(framer.state, {kind: 'open'});
	// Output that merely starts like the exit line is held back, then let through once it is not.
	t.is(framer.push(Buffer.from('kplug-shell:')).toString(), '');
	t.is(framer.push(Buffer.from('nope\n')).toString(), 'kplug-shell:nope\n');
	t.is(framer.push(Buffer.from(`kplug-shell:${marker}:exit:0\n`)).toString(), '');
	t.deepEqual(framer.state, {kind: 'closed', exitCode: 0});
	t.is(framer.push(Buffer.from('after\n')).length, 0);
});

test('shellHelperArgv: the agent\'s --shell mode with the tty, marker, echo and size, then the command', t => {
	t.deepEqual(shellHelperArgv({tty: '/dev/ttyAMA0', marker, echo: true, size: {rows: 40, cols: 120}, command: ['sh', '-l']}), ['/sbin/kplug-agent', '--shell', '/dev/ttyAMA0', marker, '--size', '40x120', '--', 'sh', '-l']);
	t.deepEqual(shellHelperArgv({tty: '/dev/ttyAMA0', marker, echo: false, size: {rows: 0, cols: 0}, command: ['sh']}), ['/sbin/kplug-agent', '--shell', '/dev/ttyAMA0', marker, '--no-echo', '--', 'sh']);
});

const fakeQemu = repoPath('test/fixtures/fake-qemu.mjs');

async function fakeSession(t: Teardown, input: string, command = ['sh'], readyTimeoutMs?: number) {
	const logDir = await tempDir(t, 'console');
	const vm = await startVm({kernel: 'boot', initrd: 'none', qemuCpu: 'cortex-a15', logDir, bootTimeoutMs: 5000, qemuBinary: fakeQemu, consoleInput: true});
	const stdin = new PassThrough();
	const stdout = new PassThrough();
	let output = '';
	stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
	stdin.end(input);
	try {
		const code = await runConsoleSession(vm, {input: stdin, output: stdout, interactive: false}, {command, ...(readyTimeoutMs ? {readyTimeoutMs} : {})});
		return {code, output: () => output, logDir};
	} finally {
		await vm.close();
	}
}

test.after.always('no VM left behind', t => {
	t.is(liveCount(), 0);
});

test('a session over a fake console: input reaches the guest, only the session\'s output comes back, with its status', async t => {
	const {code, output, logDir} = await fakeSession(t, 'hello\nexit 3\n');
	t.is(code, 3);
	// "last words" trail the EXEC answer (as the UART can): the session waits for the exit line.
	t.is(output(), 'you said: hello\nlast words\n');
	t.regex(await readFile(join(logDir, 'console.log'), 'utf8'), /kernel noise before the session[\s\S]*you said: hello[\s\S]*reboot: Power down/, 'the console log keeps everything');
});

test('the end of piped input is the end of the guest\'s input (^D): the shell ends with 0', async t => {
	const {code, output} = await fakeSession(t, 'one\ntwo\n');
	t.is(code, 0);
	t.is(output(), 'you said: one\nyou said: two\nlast words\n');
});

test('a helper that fails before its ready line is one error with its message', async t => {
	const error = await t.throwsAsync(fakeSession(t, '', ['broken-tty']));
	t.regex(error.message, /^the guest shell did not start \(exit 1\): kplug-agent: --shell: \/dev\/ttyAMA0 cannot be the controlling terminal/);
});

test('no ready line in time is a request timeout naming what it waited for', async t => {
	const error = await t.throwsAsync(fakeSession(t, '', ['silent'], 300), {instanceOf: RequestTimeoutError});
	t.is(error.waitingFor, 'kplug-shell ready line');
	t.is(error.step, 'shell');
});

test('plainLineEnds: the kernel\'s \\r\\n becomes \\n for a pipe, also split across chunks; a lone \\r stays', t => {
	const plain = plainLineEnds();
	const out = ['kplug_x25519: ready\r', '\nModule  Size\n', 'progress\r50%\r\n'].map(c => plain(Buffer.from(c)).toString()).join('');
	t.is(out, 'kplug_x25519: ready\nModule  Size\nprogress\r50%\n');
});
