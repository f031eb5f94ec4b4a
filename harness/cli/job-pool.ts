// Preparing the cells a job's pool runs (the pool itself is harness/util/pool.ts, shared with the matrix runner).
import type {BuildContext} from '../build/context.ts';
import {prepareCells} from '../scenarios/runner.ts';
import type {CellId} from '../scenarios/types.ts';
import {stoppedByInterrupt} from '../util/pool.ts';

// Build the kernels and images the cells need before the pool runs; an interrupt here (or before) means
// nothing can run, which the caller reports as every task not run.
export async function prepareUnlessInterrupted(ctx: BuildContext, cells: readonly CellId[]): Promise<boolean> {
	if (ctx.signal?.aborted) return false;
	try {
		await prepareCells(ctx, cells);
		return true;
	} catch (error) {
		if (stoppedByInterrupt(error, ctx.signal)) return false;
		throw error;
	}
}
