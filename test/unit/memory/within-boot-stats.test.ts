import test from 'ava';
import {withinBootFigure, type Moments} from '../../../harness/memory/within-boot-stats.ts';

// Recorded in one guest each (thumb2, 5 insert + 5 control rounds, kB): [before, after insert, after remove].
const recorded = {
	weakNeon: {
		VmallocUsed: {
			insert: [[24, 36, 24], [24, 36, 24], [24, 36, 24], [24, 36, 24], [24, 36, 24]],
			control: [[24, 24, 24], [24, 24, 24], [24, 24, 24], [24, 24, 24], [24, 24, 24]],
		},
		MemFree: {
			insert: [[231472, 231136, 230984], [230924, 230712, 231816], [231964, 231452, 231180], [231180, 230860, 231896], [230868, 231480, 231192]],
			control: [[231088, 230864, 231472], [231760, 231364, 231212], [231044, 230940, 230908], [231896, 231384, 231172], [231064, 230900, 230868]],
		},
	},
	// weak on a CPU without NEON: the kernel refused every insmod (ENODEV).
	weakNoneon: {
		VmallocUsed: {
			insert: [[24, 24, 24], [24, 24, 24], [24, 24, 24], [24, 24, 24], [24, 24, 24]],
			control: [[24, 24, 24], [24, 24, 24], [24, 24, 24], [24, 24, 24], [24, 24, 24]],
		},
		SUnreclaim: {
			insert: [[11304, 11304, 11304], [11304, 11308, 11308], [11308, 11308, 11308], [11308, 11388, 11388], [11420, 11420, 11420]],
			control: [[11304, 11304, 11304], [11308, 11308, 11308], [11308, 11308, 11308], [11388, 11388, 11420], [11420, 11420, 11420]],
		},
	},
};

const moments = (rows: number[][]): Moments[] => rows.map(([before = 0, afterInsert = 0, afterRemove = 0]) => ({before, afterInsert, afterRemove}));

test('recorded VmallocUsed with the arch module: +12 kB every round, given back, control noise floor 0: it can see 3 pages', t => {
	const {insert, control} = recorded.weakNeon.VmallocUsed;
	const f = withinBootFigure(moments(insert), moments(control), {field: 'VmallocUsed'});
	t.deepEqual(f.insert, {n: 5, median: 12, min: 12, max: 12, range: 0});
	t.deepEqual(f.remove, {n: 5, median: -12, min: -12, max: -12, range: 0});
	t.is(f.residual.median, 0);
	t.deepEqual(f.control, {n: 10, median: 0, min: 0, max: 0, range: 0});
	t.is(f.noiseFloor, 0);
	t.is(f.effect, 12);
	t.true(f.canSee);
	t.true(f.aboveNoise);
	t.is(f.statement, 'VmallocUsed: inserting the arch module moved it by +12 kB (3 pages) (median of 5 rounds, every round the same), and removing it gave that back; control rounds moved it by 0 to 0 kB (noise floor 0 kB). In VmallocUsed this method can see 12 kB (3 pages), and the +12 kB change (beyond the control median) is above the noise floor.');
});

test('recorded MemFree in the same boot: the control rounds swing by 1120 kB, so it cannot see 3 pages and says so', t => {
	const {insert, control} = recorded.weakNeon.MemFree;
	const f = withinBootFigure(moments(insert), moments(control), {field: 'MemFree'});
	t.is(f.insert.median, -320);
	t.deepEqual([f.control.min, f.control.max], [-512, 608]);
	t.is(f.noiseFloor, 1120);
	t.false(f.canSee);
	t.false(f.aboveNoise);
	t.regex(f.statement, /noise floor 1120 kB\)\. The noise floor is not below 12 kB \(3 pages\): in MemFree this method cannot see 12 kB \(3 pages\); the -162 kB change \(beyond the control median\) is within the noise\.$/);
});

test('recorded VmallocUsed on a CPU without NEON (weak: insmod refused): no change, and the method could have seen one', t => {
	const {insert, control} = recorded.weakNoneon.VmallocUsed;
	const f = withinBootFigure(moments(insert), moments(control), {field: 'VmallocUsed'});
	t.is(f.insert.median, 0);
	t.true(f.canSee);
	t.false(f.aboveNoise);
	t.regex(f.statement, /did not move it .* can see 12 kB \(3 pages\), and it saw no change\.$/);
});

test('recorded SUnreclaim: slab growth in a control round (+32 kB) makes a noise floor above 12 kB', t => {
	const {insert, control} = recorded.weakNoneon.SUnreclaim;
	const f = withinBootFigure(moments(insert), moments(control), {field: 'SUnreclaim'});
	t.is(f.noiseFloor, 32);
	t.false(f.canSee);
});

test('noise exactly at the resolution is not below it: cannot see', t => {
	const f = withinBootFigure(moments([[100, 112, 100]]), moments([[100, 100, 112], [112, 112, 112]]), {field: 'X'});
	t.is(f.noiseFloor, 12);
	t.false(f.canSee);
	// The +12 change is not strictly above a 12 kB floor either.
	t.false(f.aboveNoise);
});

test('a signal larger than the noise is above it even when the noise hides 3 pages', t => {
	const f = withinBootFigure(moments([[0, 400, 0], [0, 420, 0]]), moments([[0, 40, 0], [0, -20, 10]]), {field: 'MemFree'});
	t.is(f.noiseFloor, 80);
	t.false(f.canSee);
	t.true(f.aboveNoise);
	t.regex(f.statement, /cannot see 12 kB \(3 pages\); the \+405 kB change \(beyond the control median\) is above the noise all the same\.$/);
});

test('with one control delta there is no noise floor, and the statement says it cannot tell', t => {
	const f = withinBootFigure(moments([[0, 12, 0]]), [], {field: 'VmallocUsed'});
	t.is(f.noiseFloor, null);
	t.false(f.canSee);
	t.false(f.aboveNoise);
	t.regex(f.statement, /noise floor is unknown, so this method says nothing about 12 kB/);
});

test('a resolution other than 3 pages is honoured', t => {
	const f = withinBootFigure(moments([[0, 4, 0]]), moments([[0, 0, 0], [0, 0, 0]]), {field: 'VmallocUsed', resolution: 4});
	t.true(f.canSee);
	t.regex(f.statement, /can see 4 kB \(1 page\)/);
});
