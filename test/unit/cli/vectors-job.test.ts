import test from 'ava';
import {buildContext} from '../../../harness/build/context.ts';
import {parseCommandArgs, type ParsedArgs} from '../../../harness/cli/command.ts';
import {vectorsCommand} from '../../../harness/cli/vectors-command.ts';
import {readVectorSet, runVectorJob, vectorsFailed, vectorsNotRunLine, type VectorJobDeps} from '../../../harness/cli/vectors-job.ts';
import type {VectorCellReport} from '../../../harness/report/schema.ts';
import {InterruptedError} from '../../../harness/util/errors.ts';
import {createProgress} from '../../../harness/util/progress.ts';
import {tempDir, type Teardown} from '../../_temp.ts';

// The vectors job on fakes (no guest): 4 cells (weak, softdep × neon, noneon); the interrupt fires while cell `stopAt` runs.
async function vectorJob(t: Teardown, stopAt: number, jobs: number, prepared = true) {
	const controller = new AbortController();
	const out = await tempDir(t, 'vecjob');
	const parsed = parseCommandArgs(vectorsCommand, ['--random', '0', '--no-wycheproof', '--jobs', String(jobs), '--out', out, '--cache', out]);
	const args: ParsedArgs = {...parsed, progress: createProgress({quiet: true}), signal: controller.signal};
	const started: string[] = [];
	const deps: VectorJobDeps = {
		prepare: async () => prepared,
		runCell: async (_ctx, id) => {
			const n = started.push(`${id.design}/${id.cpu}`);
			// Let the other worker start its cell before this one ends.
			await new Promise(resolve => setImmediate(resolve));
			if (n === stopAt) {
				controller.abort(new InterruptedError('interrupted by SIGINT'));
				throw new InterruptedError(`vectors ${id.design}: interrupted`);
			}
			// A finished cell, one vector failed: its result must survive the interrupt as it is.
			const report: VectorCellReport = {...id, seed: 0, sources: {rfc7748: 3}, paths: [{path: 'api', servedBy: ['arch'], total: 3, passed: 2, failed: [{id: 'rfc7748-1', expectedHex: '00', gotHex: '01', expectedOk: true, gotOk: true, differingBytes: [0]}], opsPerSecond: 100, guestSeconds: 0.03}], archToGenericSpeedRatio: undefined, iterated: []};
			return report;
		},
	};
	const result = await runVectorJob(args, buildContext(out, args.progress, controller.signal), out, {designs: ['weak', 'softdep'], profiles: ['thumb2']}, await readVectorSet(args), deps);
	return {result, started};
}

test('interrupted mid-job: finished cells are kept as measured, the stopped and unstarted ones are not run, none is an error', async t => {
	const {result, started} = await vectorJob(t, 2, 1);
	t.deepEqual(started, ['weak/neon', 'weak/noneon']);
	t.deepEqual(result.reports.map(r => `${r.design}/${r.cpu}`), ['weak/neon']);
	t.is(result.reports[0]!.paths[0]!.failed.length, 1);
	t.deepEqual(result.notRun.map(c => `${c.design}/${c.cpu}`), ['weak/noneon', 'softdep/neon', 'softdep/noneon']);
	t.true(result.reports.every(r => r.error === undefined));
	t.is(vectorsNotRunLine(result.notRun), 'vectors not run (interrupted): weak/thumb2/noneon, softdep/thumb2/neon, softdep/thumb2/noneon');
	// The failed vector of a finished cell still fails the run; not run cells do not.
	t.true(vectorsFailed(result.reports));
});

test('two workers: the cell that finishes after the interrupt is kept, in matrix order', async t => {
	const {result, started} = await vectorJob(t, 1, 2);
	t.is(started.length, 2);
	t.deepEqual(result.reports.map(r => `${r.design}/${r.cpu}`), ['weak/noneon']);
	t.deepEqual(result.notRun.map(c => `${c.design}/${c.cpu}`), ['weak/neon', 'softdep/neon', 'softdep/noneon']);
});

test('interrupted while building: every cell is not run, and none started', async t => {
	const {result, started} = await vectorJob(t, 0, 2, false);
	t.deepEqual(started, []);
	t.deepEqual(result.reports, []);
	t.is(result.notRun.length, 4);
});

test('not interrupted: every cell ran and nothing is listed as not run', async t => {
	const {result} = await vectorJob(t, 0, 2);
	t.is(result.reports.length, 4);
	t.deepEqual(result.notRun, []);
	t.is(vectorsNotRunLine(result.notRun), undefined);
});

test('vectorsFailed: the kernel\'s KUnit suite counts like a vector; a suite that failed, did not load, printed nothing or ran nothing fails the job', t => {
	const pass = {total: 3, passed: 2, failed: 0, skipped: 1, crashed: 0, errors: 0, exitCode: 0};
	const cell = (kunit?: VectorCellReport['kunit']): VectorCellReport => ({design: 'mainline', profile: 'thumb2', cpu: 'neon', kernel: '7.3', seed: 1, sources: {}, paths: [], archToGenericSpeedRatio: undefined, iterated: [], ...(kunit ? {kunit} : {})});
	const suite = {suite: 'curve25519', module: 'curve25519_kunit.ko', ktap: ['KTAP version 1']};
	t.false(vectorsFailed([cell()]), 'no suite on this kernel');
	t.false(vectorsFailed([cell({...suite, counts: pass})]), '2 passed, 1 skipped');
	t.true(vectorsFailed([cell({...suite, counts: {...pass, passed: 1, failed: 1, exitCode: 1}})]));
	t.true(vectorsFailed([cell({...suite, counts: {...pass, crashed: 1}})]));
	t.true(vectorsFailed([cell({...suite, ktap: [], loadError: 'insmod curve25519_kunit.ko: Unknown symbol in module'})]));
	t.true(vectorsFailed([cell({...suite, ktap: []})]), 'no KTAP printed');
	t.true(vectorsFailed([cell({...suite, parseError: 'kunit.py printed no summary line'})]));
	t.true(vectorsFailed([cell({...suite, counts: {...pass, total: 0, passed: 0, skipped: 0}})]), 'ran nothing');
});
