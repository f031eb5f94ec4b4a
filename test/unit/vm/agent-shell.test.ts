// The agent's --shell helper (kplug shell's guest side), compiled natively and run on a real pty (python3's pty
// module stands in for the guest's serial console).
import test from 'ava';
import {execa} from 'execa';
import {repoPath} from '../../../harness/util/paths.ts';
import {nativeAgent} from './_native-agent.ts';

const built = nativeAgent('agent-shell');

interface PtyRun {
	tty: string;
	code: number;
	stderr: string;
	seconds: number;
}

// The helper on a fresh pty (PTY in args), `input` typed once `after` shows on the terminal.
async function onPty(args: string[], input = '', after = ':ready'): Promise<PtyRun> {
	const result = await execa('python3', [repoPath('test/fixtures/pty-run.py'), built.path, '--shell', ...args], {env: {PTY_INPUT: input, PTY_AFTER: after}, timeout: 60_000});
	return JSON.parse(result.stdout) as PtyRun;
}

test('no echo, plain \\n: the terminal shows the ready line, the command\'s output only, and its status', async t => {
	const run = await onPty(['PTY', 'ab12', '--no-echo', '--size', '40x120', '--', 'sh', '-c', 'read x; echo "got $x"; stty size; exit 3'], 'hello\n');
	t.is(run.tty, 'kplug-shell:ab12:ready\ngot hello\n40 120\nkplug-shell:ab12:exit:3\n');
	t.is(run.code, 3);
});

test('as a terminal: typed input is echoed, lines end in \\r\\n, and the pty is the command\'s controlling terminal', async t => {
	const run = await onPty(['PTY', 'ab12', '--', 'sh', '-c', 'read x; echo "got $x"; ps -o tty= -p $$'], 'hello\n');
	t.regex(run.tty, /^kplug-shell:ab12:ready\r\nhello\r\ngot hello\r\npts\/\d+\r\nkplug-shell:ab12:exit:0\r\n$/);
	t.is(run.code, 0);
});

test('Ctrl-C interrupts the command, not the helper, which still reports the status (128 + SIGINT)', async t => {
	// `exec`, not a forked sleep: a ^C typed between the echo and dash's vfork of `sleep` reaches only the shell,
	// which (as dash does for -c) catches it and may lose it in the vfork, so the sleep would run its 60 s. With
	// exec the signal reaches the shell before the exec or the sleep after it, and kills either.
	const run = await onPty(['PTY', 'ab12', '--', 'sh', '-c', 'echo go; exec sleep 60'], '\x03', 'go');
	t.regex(run.tty, /kplug-shell:ab12:exit:130\r\n$/);
	t.is(run.code, 130);
	t.true(run.seconds < 30, `took ${run.seconds}s (sleep 60 was not interrupted)`);
});

const refuses = test.macro<[string[], number, RegExp]>({
	async exec(t, args, code, message) {
		const result = await execa(built.path, ['--shell', ...args], {reject: false, timeout: 10_000, stdin: 'ignore'});
		t.is(result.exitCode, code);
		t.regex(result.stderr, message);
		t.notRegex(result.stdout, /kplug-shell:/, 'no ready line when there is no session');
	},
	title: (provided = '') => `--shell refuses ${provided}`,
});

test('a path that is not a terminal', refuses, ['/dev/null', 'ab12', '--', 'true'], 1, /\/dev\/null cannot be the controlling terminal/);
test('a marker that is not hex', refuses, ['/dev/null', 'zz;', '--', 'true'], 2, /^usage: kplug-agent --shell/);
test('no command after --', refuses, ['/dev/null', 'ab12', '--'], 2, /^usage: kplug-agent --shell/);
test('an unknown option', refuses, ['/dev/null', 'ab12', '--bogus', '--', 'true'], 2, /^usage: kplug-agent --shell/);
