// Benchmark figures and the small measuring helpers the bench parts share.
import {ccacheDelta, describeCcacheDelta, readCcacheStats, type CcacheDelta} from '../build/ccache.ts';
import {spread} from '../memory/stats.ts';

// One benchmark figure: a value with its unit, the target if there is one, and how it was measured.
export type Figure = {name: string; value: number | string; unit: string; target?: string; detail?: string};

// Round to d decimals.
export const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;
// "n=5, min …, max …" for a sample.
export const stat = (xs: number[]): string => {
	const s = spread(xs);
	return `n=${xs.length}, min ${round(s.min)}, max ${round(s.max)}`;
};

// Wall time of work.
export async function timed<T>(work: () => Promise<T>): Promise<{ms: number; value: T}> {
	const started = performance.now();
	const value = await work();
	return {ms: performance.now() - started, value};
}

// What ccache did while work ran (the cache may be shared: other processes' compiles count too).
export async function withCcacheDelta<T>(ccacheDir: string, work: () => Promise<T>): Promise<{value: T; ccache: CcacheDelta | undefined}> {
	const before = await readCcacheStats(ccacheDir);
	const value = await work();
	const after = await readCcacheStats(ccacheDir);
	return {value, ccache: before && after ? ccacheDelta(before, after) : undefined};
}

// A hit-rate figure: the rate in %, the counts in the detail.
export function ccacheFigure(name: string, delta: CcacheDelta | undefined, note = ''): Figure {
	if (!delta) return {name, value: 'n/a', unit: '', detail: 'ccache --print-stats gave nothing'};
	return {name, value: delta.hitRate === undefined ? 'n/a' : round(delta.hitRate * 100, 0), unit: '%', detail: describeCcacheDelta(delta) + note};
}
