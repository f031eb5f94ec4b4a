import test from 'ava';
import {execa} from 'execa';
import {readFile} from 'node:fs/promises';
import {join} from 'node:path';
import type {Report} from '../../harness/report/schema.ts';
import {defaultProfile} from '../../harness/build/profiles.ts';
import {expandMatrix} from '../../harness/scenarios/matrix.ts';
import {run} from '../../harness/util/exec.ts';
import {repoPath} from '../../harness/util/paths.ts';
import {tempDir} from '../_temp.ts';

const kplug = repoPath('harness/bin/kplug.mjs');

async function childQemus(parent: number): Promise<number[]> {
	const ps = await run('ps', ['-eo', 'pid=,ppid=,comm='], {okExitCodes: [1]});
	return ps.stdout.split('\n').map(l => l.trim().split(/\s+/)).filter(([, ppid, comm]) => comm === 'qemu-system-arm' && Number(ppid) === parent).map(([pid]) => Number(pid));
}

const alive = (pid: number): boolean => {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
};

test('SIGINT mid-run: finished cells are kept, the rest are listed as not run, no qemu is left', async t => {
	const out = await tempDir(t, 'interrupt');
	// The default matrix grows with the scenarios and designs: count it, do not hard-code it.
	const matrixCells = (await expandMatrix({profiles: [defaultProfile]})).length;
	const child = execa('node', [kplug, 'run', '--profile', defaultProfile, '--out', out], {reject: false, env: {CI: 'true'}});
	// A failed assertion before the SIGINT below ends the test: the run must not outlive it (nor write into `out`
	// while the teardown before this one removes it).
	t.teardown(async () => {
		if (child.exitCode !== null) return;
		child.kill('SIGTERM');
		await child;
	});
	let seen: number[] = [];
	let report: Report | undefined;
	// Until 3 cells are written and a qemu runs (bounded: the start checks the cache and builds nothing when warm).
	for (let i = 0; i < 1800 && !(report && report.cells.length >= 3 && seen.length > 0); i++) {
		await new Promise(resolve => setTimeout(resolve, 100));
		report = await readFile(join(out, 'latest', 'report.json'), 'utf8').then(text => JSON.parse(text) as Report, () => undefined);
		seen = await childQemus(child.pid!);
	}
	t.truthy(report, 'a partial report was written while running');
	child.kill('SIGINT');
	const result = await child;
	t.is(result.exitCode, 130);
	const final = JSON.parse(await readFile(join(out, 'latest', 'report.json'), 'utf8')) as Report;
	t.true(final.cells.length >= 3);
	t.is(final.cells.length + final.notRun.length, matrixCells);
	t.true(final.notRun.length > 0);
	// A cell the interrupt stopped is not run, never an error (the killed qemu is not the cell's failure).
	t.deepEqual(final.cells.filter(c => c.status === 'error').map(c => `${c.cellKey}: ${c.error?.class} ${c.error?.message}`), []);
	t.regex(result.stderr, /kplug: .*interrupted by SIGINT/);
	t.true(seen.length > 0, 'qemu was running when interrupted');
	t.deepEqual(seen.filter(alive), [], 'every qemu of the interrupted run is gone');
});
