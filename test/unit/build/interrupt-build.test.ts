// SIGINT during a build: the compiler seen alive in make's process group before the signal, none of the group after.
import test from 'ava';
import {execa} from 'execa';
import {chmod, readFile, symlink, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {run} from '../../../harness/util/exec.ts';
import {repoPath} from '../../../harness/util/paths.ts';
import {tempDir} from '../../_temp.ts';

// Members of a process group as "pid comm" (zombies excluded: they are dead, waiting for a parent).
async function groupMembers(pgid: number): Promise<string[]> {
	const ps = await run('ps', ['-eo', 'pid=,pgid=,stat=,comm='], {okExitCodes: [1]});
	return ps.stdout.split('\n').map(l => l.trim().split(/\s+/)).filter(([, g, stat]) => Number(g) === pgid && !stat?.startsWith('Z')).map(([pid, , , comm]) => `${pid} ${comm}`);
}

test('SIGINT during make: cc1 runs in make\'s process group before, nothing of the group is left after, exit 130', async t => {
	const dir = await tempDir(t, 'build-int');
	// A fake make on PATH whose "compiler" is sleep under the name cc1 (comm comes from the file name).
	await symlink((await run('sh', ['-c', 'command -v sleep'])).stdout.trim(), join(dir, 'cc1'));
	await writeFile(join(dir, 'make'), `#!/bin/sh\necho $$ > "${dir}/make.pid"\n"${dir}/cc1" 1000 &\n"${dir}/cc1" 1000 &\nwait\n`);
	await chmod(join(dir, 'make'), 0o755);
	// kplug's path: the command's AbortController (reaper) → runMake (detached group) with its signal.
	const script = `
		import {register} from 'tsx/esm/api';
		register();
		const {commandController} = await import(${JSON.stringify(repoPath('harness/util/reaper.ts'))});
		const {runMake} = await import(${JSON.stringify(repoPath('harness/build/make.ts'))});
		const command = commandController();
		const work = runMake(['-j2', 'zImage'], {logFile: ${JSON.stringify(join(dir, 'make.log'))}, signal: command.signal})
			.catch(error => process.stderr.write(error.name + ': ' + error.message + '\\n'));
		command.finishing(work);
	`;
	const kplug = execa('node', ['--input-type=module', '-e', script], {reject: false, cwd: repoPath(), env: {PATH: `${dir}:${process.env['PATH']}`}});
	let makePid = 0;
	let before: string[] = [];
	for (let i = 0; i < 200 && before.filter(m => m.endsWith(' cc1')).length < 2; i++) {
		await new Promise(r => setTimeout(r, 50));
		makePid = Number(await readFile(join(dir, 'make.pid'), 'utf8').catch(() => '0'));
		if (makePid > 0) before = await groupMembers(makePid);
	}
	t.is(before.filter(m => m.endsWith(' cc1')).length, 2, `make's group before the signal: ${before.join(', ')}`);
	kplug.kill('SIGINT');
	const result = await kplug;
	t.is(result.exitCode, 130, result.stderr);
	t.regex(result.stderr, /InterruptedError: interrupted by SIGINT/);
	t.deepEqual(await groupMembers(makePid), [], 'nothing of make\'s group is left');
});
