import test from 'ava';
import {runPool} from '../../../harness/util/pool.ts';
import {InterruptedError} from '../../../harness/util/errors.ts';

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms));

test('a failing task stops the pool: nothing starts after it, the running task finishes first, then its error', async t => {
	const started: string[] = [];
	const finished: string[] = [];
	const pool = runPool(['fails', 'slow', 'later-1', 'later-2'], {
		jobs: 2,
		async run(task) {
			started.push(task);
			if (task === 'fails') {
				await sleep(10);
				throw new Error('internal');
			}
			await sleep(task === 'slow' ? 200 : 1);
			finished.push(task);
			return task;
		},
	});
	await t.throwsAsync(pool, {message: 'internal'});
	// The rejection came after the running task ended, not while it still ran behind the caller's clean-up.
	t.deepEqual(finished, ['slow']);
	t.deepEqual(started, ['fails', 'slow']);
});

test('a failing onDone stops the pool the same way, after the running task', async t => {
	const finished: string[] = [];
	const pool = runPool(['a', 'b', 'c'], {
		jobs: 2,
		async run(task) {
			await sleep(task === 'b' ? 100 : 1);
			finished.push(task);
			return task;
		},
		onDone(task) {
			if (task === 'a') throw new Error('disk full');
		},
	});
	await t.throwsAsync(pool, {message: 'disk full'});
	t.deepEqual(finished, ['a', 'b']);
});

test('an interrupt ends the pool with what finished and the rest not run, no error', async t => {
	const controller = new AbortController();
	const result = await runPool([1, 2, 3, 4], {
		jobs: 1,
		signal: controller.signal,
		async run(task) {
			if (task === 2) {
				controller.abort();
				throw new InterruptedError('stopped');
			}
			return task * 10;
		},
	});
	t.deepEqual(result.done, [{task: 1, result: 10}]);
	t.deepEqual(result.notRun, [2, 3, 4]);
});
