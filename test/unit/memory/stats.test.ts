import test from 'ava';
import {KplugError} from '../../../harness/util/errors.ts';
import {compareSamples, mad, median, spread, type Spread} from '../../../harness/memory/stats.ts';

const medianIs = test.macro<[number[], number]>({
	exec(t, values: number[], expected: number) {
		t.is(median(values), expected);
	},
	title: (provided = '', values, expected) => `${provided}median [${values.join(', ')}] = ${expected}`,
});
test(medianIs, [5], 5);
test(medianIs, [1, 3, 2], 2);
test(medianIs, [4, 1, 3, 2], 2.5);
test(medianIs, [7, 7, 7], 7);
test(medianIs, [-4, 10, 0, 1000], 5);

const spreadIs = test.macro<[number[], Spread]>({
	exec(t, values: number[], expected: Spread) {
		t.deepEqual(spread(values), expected);
	},
	title: (provided = '', values) => `${provided}spread [${values.join(', ')}]`,
});
test(spreadIs, [5], {min: 5, max: 5, range: 0, q1: 5, q3: 5, iqr: 0});
test(spreadIs, [3, 1, 2, 5, 4], {min: 1, max: 5, range: 4, q1: 2, q3: 4, iqr: 2});
test(spreadIs, [1, 2, 3, 4], {min: 1, max: 4, range: 3, q1: 1.75, q3: 3.25, iqr: 1.5});
test(spreadIs, [213052, 213048, 213056, 213052, 213044], {min: 213044, max: 213056, range: 12, q1: 213048, q3: 213052, iqr: 4});

const madIs = test.macro<[number[], number]>({
	exec(t, values: number[], expected: number) {
		t.is(mad(values), expected);
	},
	title: (provided = '', values, expected) => `${provided}MAD [${values.join(', ')}] = ${expected}`,
});
test(madIs, [1, 1, 2, 2, 4, 6, 9], 1);
test(madIs, [10], 0);
// Why the noise floor is not MAD-based: three equal readings out of five make it 0.
test(madIs, [500, 500, 500, 504, 496], 0);

test('empty and non-finite samples are errors', t => {
	t.throws(() => median([]), {instanceOf: KplugError, message: /empty/});
	t.throws(() => spread([]), {instanceOf: KplugError});
	t.throws(() => mad([]), {instanceOf: KplugError});
	t.throws(() => median([1, Number.NaN]), {instanceOf: KplugError, message: /non-finite/});
});

test('inputs are not reordered', t => {
	const values = [3, 1, 2];
	median(values);
	spread(values);
	t.deepEqual(values, [3, 1, 2]);
});

const memAvailable = {metric: 'MemAvailable'};

test('a real difference: MemAvailable lower with the arch module, beyond the noise', t => {
	const withArch = [213052, 213048, 213056, 213052, 213044];
	const withoutArch = [213076, 213072, 213080, 213076, 213068];
	t.deepEqual(compareSamples(withArch, withoutArch, memAvailable), {
		medianWith: 213052,
		medianWithout: 213076,
		difference: -24,
		noiseFloor: 12,
		aboveNoise: true,
		nWith: 5,
		nWithout: 5,
		statement:
			'MemAvailable is 24 kB higher without the arch module (median of 5 boots each), above the 12 kB noise floor.',
	});
});

test('no real difference: medians 4 kB apart inside a 16 kB boot-to-boot swing', t => {
	const result = compareSamples([100, 112, 96, 104, 100], [104, 96, 108, 100, 104], memAvailable);
	t.like(result, {medianWith: 100, medianWithout: 104, difference: -4, noiseFloor: 16, aboveNoise: false});
	t.is(result.statement, 'MemAvailable is 4 kB higher without the arch module (median of 5 boots each), within the 16 kB noise floor.');
});

test('a difference equal to the noise floor is not above it', t => {
	const result = compareSamples([100, 108], [116, 124], {metric: 'VmallocUsed'});
	t.like(result, {difference: -16, noiseFloor: 8, aboveNoise: true});
	const tie = compareSamples([100, 108], [108, 116], {metric: 'VmallocUsed'});
	t.like(tie, {difference: -8, noiseFloor: 8, aboveNoise: false});
});

test('a cost that shows up with the arch module, unequal boot counts', t => {
	const result = compareSamples([496, 500, 492, 500], [472, 476, 472], {metric: 'VmallocUsed'});
	t.like(result, {medianWith: 498, medianWithout: 472, difference: 26, noiseFloor: 8, aboveNoise: true});
	t.is(result.statement, 'VmallocUsed is 26 kB higher with the arch module (median of 4 boots with, 3 without), above the 8 kB noise floor.');
});

test('one boot on a side: no noise floor, never "above noise"', t => {
	const result = compareSamples([100], [120, 124], memAvailable);
	t.like(result, {difference: -22, noiseFloor: null, aboveNoise: false});
	t.is(
		result.statement,
		'MemAvailable is 22 kB higher without the arch module (median of 1 boot with, 2 without), but with 1 boot on one side the noise floor cannot be measured, so this is not evidence either way.',
	);
});

test('identical samples: no difference, said plainly', t => {
	const result = compareSamples([500, 500, 500], [500, 500, 500], {metric: 'Percpu'});
	t.like(result, {difference: 0, noiseFloor: 0, aboveNoise: false});
	t.is(result.statement, 'Percpu has the same median (500 kB) with and without the arch module (median of 3 boots each); every boot on both sides read the same value.');
});

test('same median inside real noise', t => {
	const result = compareSamples([96, 100, 104], [100, 92, 108], {metric: 'Slab'});
	t.like(result, {difference: 0, noiseFloor: 16, aboveNoise: false});
	t.regex(result.statement, /same median \(100 kB\).*; within the 16 kB noise floor\.$/);
});

test('perfectly steady sides that differ: above a 0 kB floor, and the statement says why', t => {
	const result = compareSamples([496, 496, 496], [500, 500, 500], memAvailable);
	t.like(result, {difference: -4, noiseFloor: 0, aboveNoise: true});
	t.is(result.statement, 'MemAvailable is 4 kB higher without the arch module (median of 3 boots each), above the 0 kB noise floor (every boot on each side read the same value).');
});

test('defaults: metric, unit and subject', t => {
	const {statement} = compareSamples([1, 2], [4, 4], {unit: 'pages', subject: 'curve25519_neon'});
	t.is(statement, 'The value is 2.5 pages higher without curve25519_neon (median of 2 boots each), above the 1 pages noise floor.');
});

test('empty side is an error', t => {
	t.throws(() => compareSamples([], [1, 2]), {instanceOf: KplugError});
});
