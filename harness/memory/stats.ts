// Small-sample statistics for boot-to-boot memory readings, and the with/without comparison.
import {KplugError} from '../util/errors.ts';

export interface Spread {
	min: number;
	max: number;
	// max − min
	range: number;
	// Quartiles by linear interpolation between order statistics (R's type 7, numpy's default).
	q1: number;
	q3: number;
	iqr: number;
}

function sortedCopy(values: readonly number[], what: string): number[] {
	if (values.length === 0) throw new KplugError(`${what} of an empty sample`);
	const bad = values.find(value => !Number.isFinite(value));
	if (bad !== undefined) throw new KplugError(`${what}: sample holds a non-finite value (${bad})`);
	return [...values].sort((a, b) => a - b);
}

// Type-7 quantile of an ascending, non-empty array.
function quantile(sorted: readonly number[], p: number): number {
	const h = (sorted.length - 1) * p;
	const below = sorted[Math.floor(h)] ?? 0;
	const above = sorted[Math.ceil(h)] ?? below;
	return below + (h - Math.floor(h)) * (above - below);
}

// Median of a non-empty sample (mean of the middle two when the count is even).
export function median(values: readonly number[]): number {
	return quantile(sortedCopy(values, 'median'), 0.5);
}

// Min, max, range, quartiles and IQR of a non-empty sample; one value gives zero spread.
export function spread(values: readonly number[]): Spread {
	const sorted = sortedCopy(values, 'spread');
	const min = sorted[0] ?? 0;
	const max = sorted[sorted.length - 1] ?? 0;
	const q1 = quantile(sorted, 0.25);
	const q3 = quantile(sorted, 0.75);
	return {min, max, range: max - min, q1, q3, iqr: q3 - q1};
}

// Median absolute deviation from the median, unscaled (multiply by 1.4826 to estimate a normal σ).
export function mad(values: readonly number[]): number {
	const center = median(values);
	return median(values.map(value => Math.abs(value - center)));
}

export interface CompareOptions {
	// What was measured, as it should read in the statement (default 'the value').
	metric?: string;
	// Unit of the samples (default 'kB', what /proc/meminfo prints).
	unit?: string;
	// What the two sides differ by (default 'the arch module').
	subject?: string;
}

export interface Comparison {
	medianWith: number;
	medianWithout: number;
	// medianWith − medianWithout: what having the arch module adds (negative for MemAvailable).
	difference: number;
	// Largest max − min of the two samples; null when a side has fewer than 2 boots, because
	// then no boot-to-boot spread has been observed at all.
	noiseFloor: number | null;
	// |difference| strictly greater than the noise floor; false when the floor is unknown.
	aboveNoise: boolean;
	nWith: number;
	nWithout: number;
	statement: string;
}

// Compare readings with and without the arch module: medians, noise floor and a one-sentence verdict.
export function compareSamples(
	withArch: readonly number[],
	withoutArch: readonly number[],
	options: CompareOptions = {},
): Comparison {
	const medianWith = median(withArch);
	const medianWithout = median(withoutArch);
	const difference = medianWith - medianWithout;
	const nWith = withArch.length;
	const nWithout = withoutArch.length;
	// Noise floor = the larger of the two samples' ranges (max − min), not 3×MAD: with the 3–10
	// boots a run can afford and meminfo's page-sized (4 kB) steps, several boots often read the
	// same value, MAD collapses to 0 and any 4 kB wobble would count as "above noise". The range
	// is the widest boot-to-boot swing actually seen on either side, so a difference above it is
	// one neither side produced by itself; it errs towards "not above noise", the safe direction.
	// With fewer than 2 boots on a side no swing has been seen, so there is no floor at all.
	const noiseFloor =
		nWith < 2 || nWithout < 2 ? null : Math.max(spread(withArch).range, spread(withoutArch).range);
	const aboveNoise = noiseFloor !== null && Math.abs(difference) > noiseFloor;
	const sentence = describe({medianWith, medianWithout, difference, noiseFloor, aboveNoise, nWith, nWithout}, options);
	const statement = sentence.charAt(0).toUpperCase() + sentence.slice(1);
	return {medianWith, medianWithout, difference, noiseFloor, aboveNoise, nWith, nWithout, statement};
}

function describe(result: Omit<Comparison, 'statement'>, options: CompareOptions): string {
	const metric = options.metric ?? 'the value';
	const unit = options.unit ?? 'kB';
	const subject = options.subject ?? 'the arch module';
	const {difference, noiseFloor, nWith, nWithout} = result;
	const amount = (value: number): string => `${formatNumber(value)} ${unit}`;
	const boots =
		nWith === nWithout
			? `median of ${plural(nWith, 'boot')} each`
			: `median of ${plural(nWith, 'boot')} with, ${nWithout} without`;

	if (noiseFloor === null) {
		const few = Math.min(nWith, nWithout);
		const head =
			difference === 0
				? `${metric} has the same median (${amount(result.medianWith)}) with and without ${subject}`
				: `${metric} is ${amount(Math.abs(difference))} higher ${difference > 0 ? 'with' : 'without'} ${subject}`;
		return `${head} (${boots}), but with ${plural(few, 'boot')} on one side the noise floor cannot be measured, so this is not evidence either way.`;
	}
	if (difference === 0) {
		const tail =
			noiseFloor === 0
				? 'every boot on both sides read the same value'
				: `within the ${amount(noiseFloor)} noise floor`;
		return `${metric} has the same median (${amount(result.medianWith)}) with and without ${subject} (${boots}); ${tail}.`;
	}
	const head = `${metric} is ${amount(Math.abs(difference))} higher ${difference > 0 ? 'with' : 'without'} ${subject} (${boots})`;
	if (!result.aboveNoise) return `${head}, within the ${amount(noiseFloor)} noise floor.`;
	const zero = noiseFloor === 0 ? ' (every boot on each side read the same value)' : '';
	return `${head}, above the ${amount(noiseFloor)} noise floor${zero}.`;
}

// '1 boot', '3 boots'.
export function plural(count: number, noun: string): string {
	return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

// Integers as they are; halves from even-count medians with one decimal.
export function formatNumber(value: number): string {
	return Number.isInteger(value) ? String(value) : value.toFixed(1);
}
