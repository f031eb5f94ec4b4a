import test from 'ava';
import {compareResults, type DriverResult, summarizeThroughput} from '../../../harness/vectors/compare.ts';
import {randomVectors} from '../../../harness/vectors/random.ts';
import {rfc7748FunctionVectors} from '../../../harness/vectors/rfc7748.ts';
import type {X25519Vector} from '../../../harness/vectors/vector.ts';

const zeroVector: X25519Vector = {
	id: 'zero', source: 'file', comment: '', scalar: Buffer.alloc(32, 1), point: Buffer.alloc(32),
	expected: Buffer.alloc(32), expectedOk: false, result: 'acceptable', flags: ['ZeroSharedSecret'],
};
const vectors = [...rfc7748FunctionVectors(), zeroVector];

function flip(result: DriverResult | undefined, offset: number, mask = 1): void {
	if (result === undefined) throw new Error('no such result');
	result.out[offset] = (result.out[offset] ?? 0) ^ mask;
}

function correct(): DriverResult[] {
	return vectors.map(vector => ({out: Buffer.from(vector.expected), ok: vector.expectedOk, path: 'arch'}));
}

test('correct results all pass', t => {
	t.deepEqual(compareResults(vectors, correct(), 'api'), {path: 'api', total: 3, passed: 3, failed: [], pathCounts: {arch: 3}});
});

const fails = test.macro<[(results: DriverResult[]) => void, {id: string; gotOk: boolean; differingBytes: number[]}]>({
	exec(t, edit, expected) {
		const results = correct();
		edit(results);
		const comparison = compareResults(vectors, results, 'generic');
		t.is(comparison.passed, 2);
		t.is(comparison.failed.length, 1);
		const [failure] = comparison.failed;
		t.like(failure, expected);
		const vector = vectors.find(v => v.id === expected.id);
		t.is(failure?.expected, vector?.expected.toString('hex'));
		t.is(failure?.expectedOk, vector?.expectedOk);
		t.is(failure?.got, results.find((_, i) => vectors[i]?.id === expected.id)?.out.toString('hex'));
	},
	title: (title = '') => `compareResults flags ${title}`,
});

test('a wrong byte', fails, results => flip(results[1], 5), {id: 'rfc7748:5.2-2', gotOk: true, differingBytes: [5]});
test('wrong bytes at both ends', fails, results => {
	flip(results[0], 0, 0x80);
	flip(results[0], 31);
}, {id: 'rfc7748:5.2-1', gotOk: true, differingBytes: [0, 31]});
test('a wrong boolean with the right bytes', fails, results => (results[0]!.ok = false), {id: 'rfc7748:5.2-1', gotOk: false, differingBytes: []});
test('ok = true for an all-zero result', fails, results => (results[2]!.ok = true), {id: 'zero', gotOk: true, differingBytes: []});
test('a nonzero result where zero was due', fails, results => (results[2] = {out: Buffer.alloc(32, 7), ok: true, path: 'generic'}), {
	id: 'zero', gotOk: true, differingBytes: Array.from({length: 32}, (_, i) => i),
});
test('a short output', fails, results => (results[0]!.out = results[0]!.out.subarray(0, 30)), {id: 'rfc7748:5.2-1', gotOk: true, differingBytes: [30, 31]});

test('pathCounts and gotPath report which implementation served each item', t => {
	const results = correct();
	results[1] = {out: Buffer.alloc(32), ok: false, path: 'generic'};
	const comparison = compareResults(vectors, results, 'api');
	t.deepEqual(comparison.pathCounts, {arch: 2, generic: 1});
	t.is(comparison.failed[0]?.gotPath, 'generic');
});

test('a result count that differs from the vector count throws', t => {
	t.throws(() => compareResults(vectors, correct().slice(1), 'api'), {message: 'api: driver returned 2 results for 3 vectors'});
});

test('random vectors round-trip through compareResults', t => {
	const random = randomVectors(10, 99);
	const comparison = compareResults(random, random.map(v => ({out: v.expected, ok: v.expectedOk, path: 'arch-entry'})), 'api');
	t.is(comparison.passed, 10);
});

const throughput = test.macro<[number, number | bigint, number]>({
	exec(t, count, elapsedNs, expected) {
		t.is(summarizeThroughput(count, elapsedNs), expected);
	},
	title: (_, count, elapsedNs, expected) => `${count} ops in ${String(elapsedNs)} ns is ${expected} ops/s`,
});

test(throughput, 1000, 1e9, 1000);
test(throughput, 518, 259_000_000n, 2000);
test(throughput, 3, 1500, 2_000_000);
test(throughput, 0, 0, 0);
test(throughput, 5, 0n, Number.POSITIVE_INFINITY);

test('negative time is rejected', t => {
	t.throws(() => summarizeThroughput(1, -1), {instanceOf: RangeError});
});
