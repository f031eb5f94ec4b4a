// No process left behind: detached groups (make -j, qemu) die whole on timeout, abort, exit and signals.
import {execa} from 'execa';
import {readFile} from 'node:fs/promises';
import {join} from 'node:path';
import test from 'ava';
import {ToolFailure} from '../../../harness/util/errors.ts';
import {run, spawnLong} from '../../../harness/util/exec.ts';
import {repoPath} from '../../../harness/util/paths.ts';
import {liveCount} from '../../../harness/util/reaper.ts';
import {tempDir} from '../../_temp.ts';

const fakeMake = repoPath('test/fixtures/fake-make.sh');

// Alive and not a zombie (an orphan reparented to a PID 1 that reaps late stays a zombie for a while).
async function alive(pid: number): Promise<boolean> {
	const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
	return stat !== '' && !/^\d+ \(.*\) Z /.test(stat);
}

async function until(condition: () => Promise<boolean>, ms = 5000): Promise<boolean> {
	for (const end = Date.now() + ms; Date.now() < end; await new Promise(r => setTimeout(r, 20))) if (await condition()) return true;
	return condition();
}

async function pidsIn(dir: string): Promise<{leader: number; child: number}> {
	const read = async (name: string): Promise<number> => Number(await readFile(join(dir, name), 'utf8').catch(() => ''));
	for (;;) {
		const [leader, child] = [await read('leader'), await read('child')];
		if (leader > 0 && child > 0) return {leader, child};
		await new Promise(r => setTimeout(r, 20));
	}
}

const noneLeft = async (t: import('ava').ExecutionContext, pids: {leader: number; child: number}): Promise<void> => {
	t.true(await until(async () => !(await alive(pids.leader)) && !(await alive(pids.child))), `left behind: ${JSON.stringify(pids)}`);
};

test.after.always('no process group left tracked', t => {
	t.is(liveCount(), 0);
});

test('a detached tool that ignores SIGTERM is killed with its whole group on timeout', async t => {
	const dir = await tempDir(t, 'pgroup');
	const started = Date.now();
	const error = await t.throwsAsync(run(fakeMake, ['hang'], {detached: true, timeoutMs: 500, forceKillAfterMs: 300, env: {PIDDIR: dir}}), {instanceOf: ToolFailure});
	t.true(error?.data.timedOut);
	t.is(error?.data.signal, 'SIGKILL');
	t.regex(error?.message ?? '', /timed out after 500 ms/);
	t.true(Date.now() - started < 4000);
	await noneLeft(t, await pidsIn(dir));
});

test('an abort stops the whole group and is reported as cancelled', async t => {
	const dir = await tempDir(t, 'pgroup');
	const controller = new AbortController();
	const running = run(fakeMake, ['hang'], {detached: true, signal: controller.signal, forceKillAfterMs: 200, env: {PIDDIR: dir}});
	const pids = await pidsIn(dir);
	t.true(await alive(pids.child), 'the "compiler" ran in the group before the abort');
	controller.abort();
	const error = await t.throwsAsync(running, {instanceOf: ToolFailure});
	t.regex(error?.message ?? '', /was cancelled/);
	t.false(error?.data.timedOut);
	await noneLeft(t, pids);
});

test('what a tool leaves running in its group when it exits is killed', async t => {
	const dir = await tempDir(t, 'pgroup');
	const result = await run(fakeMake, ['exit'], {detached: true, env: {PIDDIR: dir}});
	t.is(result.exitCode, 0);
	await noneLeft(t, await pidsIn(dir));
});

test('spawnLong: a qemu that ignores SIGTERM goes with its group on SIGKILL; a child it left is killed when it exits', async t => {
	const dir = await tempDir(t, 'pgroup');
	process.env['PIDDIR'] = dir;
	const qemu = spawnLong(fakeMake, ['hang']);
	const pids = await pidsIn(dir);
	qemu.kill('SIGTERM');
	await new Promise(r => setTimeout(r, 300));
	t.true(await alive(pids.leader), 'SIGTERM is ignored');
	qemu.kill('SIGKILL');
	await qemu.exited;
	await noneLeft(t, pids);
	const dir2 = await tempDir(t, 'pgroup');
	process.env['PIDDIR'] = dir2;
	const leaving = spawnLong(fakeMake, ['exit']);
	await leaving.exited;
	await noneLeft(t, await pidsIn(dir2));
});

// kplug itself ends (process.exit, a signal) while make runs: the exit handler kills the group synchronously.
const endsWhileBuilding = test.macro<[string, number | undefined]>({
	async exec(t, how, expectedExit) {
		const dir = await tempDir(t, 'pgroup');
		// tsx through its API, as harness/bin/kplug.mjs loads it (tsx's --import preflight has a SIGINT handler of its own).
		const script = `
			import {register} from 'tsx/esm/api';
			register();
			const {run} = await import(${JSON.stringify(repoPath('harness/util/exec.ts'))});
			if (${JSON.stringify(how)} === 'exit') setTimeout(() => process.exit(0), 1500);
			await run(${JSON.stringify(fakeMake)}, ['hang'], {detached: true, env: {PIDDIR: ${JSON.stringify(dir)}}});
		`;
		const kplug = execa('node', ['--input-type=module', '-e', script], {reject: false, cwd: repoPath()});
		const pids = await pidsIn(dir);
		t.true(await alive(pids.child));
		if (how !== 'exit') kplug.kill(how as NodeJS.Signals);
		const result = await kplug;
		t.is(result.exitCode, expectedExit, `${result.signal ?? ""} ${result.stderr}`);
		await noneLeft(t, pids);
	},
	title: (_, how) => `kplug ending by ${how} while a detached tool runs leaves no process behind`,
});

test(endsWhileBuilding, 'exit', 0);
test(endsWhileBuilding, 'SIGINT', 130);
test(endsWhileBuilding, 'SIGTERM', 143);
test(endsWhileBuilding, 'SIGHUP', 129);
