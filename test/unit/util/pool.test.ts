import test from 'ava';
import {runPool} from '../../../harness/util/pool.ts';
import {InterruptedError} from '../../../harness/util/errors.ts';

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms));

// A task's work that ends early when its signal fires, as a VM's does.
function work(ms: number, signal: AbortSignal): Promise<void> {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(resolve, ms);
		signal.addEventListener('abort', () => {
			clearTimeout(timer);
			reject(signal.reason as Error);
		}, {once: true});
	});
}

test('a failing task stops the pool: nothing starts after it, the running task is stopped by its signal and has ended, then its error', async t => {
	const started: string[] = [];
	const ended: string[] = [];
	let reason: unknown;
	const pool = runPool(['fails', 'slow', 'later-1', 'later-2'], {
		jobs: 2,
		async run(task, signal) {
			started.push(task);
			if (task === 'fails') {
				await sleep(10);
				throw new Error('internal');
			}
			try {
				await work(task === 'slow' ? 60_000 : 1, signal);
				return task;
			} catch (error) {
				reason = error;
				throw error;
			} finally {
				ended.push(task);
			}
		},
	});
	await t.throwsAsync(pool, {message: 'internal'});
	// The rejection came after the running task ended (stopped, not waited for a minute), not while it still ran.
	t.deepEqual(ended, ['slow']);
	t.deepEqual(started, ['fails', 'slow']);
	t.true(reason instanceof InterruptedError);
	t.is((reason as Error).message, 'stopped: another task failed (internal)');
});

test('a running task that finishes although the pool was stopped is kept by onDone', async t => {
	const kept: string[] = [];
	const pool = runPool(['fails', 'finishes'], {
		jobs: 2,
		async run(task) {
			if (task === 'fails') throw new Error('internal');
			await sleep(20);
			return task;
		},
		onDone(task) {
			kept.push(task);
		},
	});
	await t.throwsAsync(pool, {message: 'internal'});
	t.deepEqual(kept, ['finishes']);
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
