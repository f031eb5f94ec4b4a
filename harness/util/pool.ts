// One worker pool for every job (the matrix, vectors, memory), with one interrupt rule: once the command's
// signal fires no task starts, a task it stops is not run (never an error), and every task that finished is kept.
import {InterruptedError, KplugError} from './errors.ts';

export interface PoolResult<T, R> {
	// Finished tasks in the order they were given.
	done: {task: T; result: R}[];
	// Tasks the interrupt stopped or never started, in the order they were given.
	notRun: T[];
}

export interface PoolOptions<T, R> {
	jobs: number;
	signal?: AbortSignal | undefined;
	// `signal` is the command's interrupt joined with the pool's own stop (another task failed): pass it on to the
	// task's VMs and spawns.
	run(task: T, signal: AbortSignal): Promise<R>;
	// Called after each finished task, in completion order.
	onDone?(task: T, result: R): Promise<void> | void;
}

// Whether an error ends a task as "not run": the interrupt's own error, or any kplug error once the signal fired
// (a VM killed by the interrupt can fail in other ways on its way down).
export function stoppedByInterrupt(error: unknown, signal: AbortSignal | undefined): boolean {
	return error instanceof InterruptedError || (Boolean(signal?.aborted) && error instanceof KplugError);
}

// Run tasks on `jobs` workers; an interrupted pool returns what finished and lists the rest as not run. A task that
// fails otherwise stops the pool: no task starts after it, the running ones are stopped as an interrupt stops them
// (their VMs closed; one that finishes all the same is kept by onDone), and when they have ended its error is thrown,
// so nothing runs on behind the caller's clean-up.
export async function runPool<T, R>(tasks: readonly T[], options: PoolOptions<T, R>): Promise<PoolResult<T, R>> {
	const queue = tasks.map((task, index) => ({task, index}));
	const finished: {task: T; result: R; index: number}[] = [];
	let failure: {error: unknown} | undefined;
	const stop = new AbortController();
	const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
	const fail = (error: unknown): void => {
		if (failure) return;
		failure = {error};
		stop.abort(new InterruptedError(`stopped: another task failed (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`));
	};
	const worker = async (): Promise<void> => {
		for (let next = queue.shift(); next && !signal.aborted; next = queue.shift()) {
			let result: R;
			try {
				result = await options.run(next.task, signal);
			} catch (error) {
				if (!stoppedByInterrupt(error, signal)) fail(error);
				return;
			}
			finished.push({...next, result});
			try {
				await options.onDone?.(next.task, result);
			} catch (error) {
				fail(error);
				return;
			}
		}
	};
	await Promise.all(Array.from({length: Math.max(1, Math.min(options.jobs, tasks.length))}, worker));
	if (failure) throw failure.error;
	const doneAt = new Set(finished.map(f => f.index));
	return {
		done: finished.sort((a, b) => a.index - b.index).map(({task, result}) => ({task, result})),
		notRun: tasks.filter((_, index) => !doneAt.has(index)),
	};
}
