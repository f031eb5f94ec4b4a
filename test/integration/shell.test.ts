// kplug shell driven through a pipe, as a script would: one real guest, end to end through the CLI.
import test from 'ava';
import {execa} from 'execa';
import {readdir, readFile} from 'node:fs/promises';
import {join} from 'node:path';
import {repoPath} from '../../harness/util/paths.ts';
import {run} from '../../harness/util/exec.ts';
import {tempDir} from '../_temp.ts';

test('printf … | kplug shell: the kernel version, the loaded modules (kmod\'s lsmod), exit 0, no qemu left', async t => {
	const out = await tempDir(t, 'it-shell');
	const input = 'cat /proc/version\nmodprobe kplug_x25519\nlsmod\nexit\n';
	const result = await execa('node', [repoPath('harness/bin/kplug.mjs'), 'shell', '--design', 'weak', '--out', out], {input, reject: false, timeout: 15 * 60_000, env: {CI: 'true'}});
	t.is(result.exitCode, 0, result.stderr);
	// Two readings of the kernel: the agent's uname at READY (on stderr) and /proc/version read by the shell.
	const release = /ready in \d+ ms: Linux (\S+);/.exec(result.stderr)?.[1];
	t.truthy(release, result.stderr);
	t.regex(result.stdout, new RegExp(`^Linux version ${release?.replace(/\./g, '\\.')} `, 'm'));
	// kmod's lsmod (busybox's would print "Not tainted"), with what modprobe loaded for the driver.
	const lsmod = result.stdout.slice(result.stdout.indexOf('Module '));
	t.regex(lsmod, /^Module\s+Size\s+Used by\n/);
	for (const module of ['kplug_x25519', 'libcurve25519', 'curve25519_neon', 'libcurve25519_generic']) t.regex(lsmod, new RegExp(`^${module}\\s+\\d+\\s+\\d`, 'm'), module);
	// Only the session: no boot log, no marker lines, no prompt or echo of the commands.
	t.notRegex(result.stdout, /Booting Linux|kplug-shell:|cat \/proc\/version|\r/);
	// The guest is gone: no process is left with this session's agent socket.
	const [session] = await readdir(join(out, 'shell'));
	const argv = JSON.parse(await readFile(join(out, 'shell', session!, 'qemu-argv.json'), 'utf8')) as string[];
	const socket = argv.find(a => a.startsWith('socket,'))!;
	const ps = await run('ps', ['-eo', 'args='], {okExitCodes: [1]});
	t.false(ps.stdout.includes(socket), `a qemu with ${socket} is still running`);
	t.regex(await readFile(join(out, 'shell', session!, 'console.log'), 'utf8'), /reboot: Power down/, 'powered off, not killed');
});

// Through the README's entry point (`npm run kplug -- shell`): the bootstrap hands its stdin to kplug. Before the
// fix it ignored stdin, so a piped session ran nothing and exited 0.
test('printf … | npm run kplug -- shell --userland trixie: the bootstrap passes stdin through; the guest\'s kmod is 34', async t => {
	const out = await tempDir(t, 'it-shell');
	const input = 'modprobe --version\nexit\n';
	const result = await execa('node', [repoPath('harness/bootstrap.mjs'), 'kplug', 'shell', '--kernel', '6.12', '--userland', 'trixie', '--out', out], {input, reject: false, timeout: 15 * 60_000, env: {CI: 'true'}});
	t.is(result.exitCode, 0, result.stderr);
	t.regex(result.stdout, /^kmod version 34\b/m);
});
