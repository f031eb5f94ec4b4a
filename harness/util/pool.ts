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
	run(task: T): Promise<R>;
	// Called after each finished task, in completion order.
	onDone?(task: T, result: R): Promise<void> | void;
}

// Whether an error ends a task as "not run": the interrupt's own error, or any kplug error once the signal fired
// (a VM killed by the interrupt can fail in other ways on its way down).
export function stoppedByInterrupt(error: unknown, signal: AbortSignal | undefined): boolean {
	return error instanceof InterruptedError || (Boolean(signal?.aborted) && error instanceof KplugError);
}

// Run tasks on `jobs` workers; an interrupted pool returns what finished and lists the rest as not run. A task that
// fails otherwise stops the pool: no task starts after it, the running ones finish (their VMs closed, their results
// kept by onDone), and then its error is thrown, so nothing runs on behind the caller's clean-up.
export async function runPool<T, R>(tasks: readonly T[], options: PoolOptions<T, R>): Promise<PoolResult<T, R>> {
	const queue = tasks.map((task, index) => ({task, index}));
	const finished: {task: T; result: R; index: number}[] = [];
	let failure: {error: unknown} | undefined;
	const worker = async (): Promise<void> => {
		for (let next = queue.shift(); next && !options.signal?.aborted && !failure; next = queue.shift()) {
			let result: R;
			try {
				result = await options.run(next.task);
			} catch (error) {
				if (!stoppedByInterrupt(error, options.signal)) failure ??= {error};
				return;
			}
			finished.push({...next, result});
			try {
				await options.onDone?.(next.task, result);
			} catch (error) {
				failure ??= {error};
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
