import test from 'ava';
import {readFile, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {UsageError} from '../../../harness/util/errors.ts';
import {loadVectorSet, smallSubset, SUBSET_SEED} from '../../../harness/vectors/select.ts';
import {DEFAULT_WYCHEPROOF_PATH} from '../../../harness/vectors/wycheproof.ts';
import {tempDir} from '../../_temp.ts';

test('smallSubset: RFC §5.2 #1 and #2, a low-order Wycheproof case, one random', async t => {
	const subset = await smallSubset();
	t.deepEqual(subset.map(vector => vector.id), ['rfc7748:5.2-1', 'rfc7748:5.2-2', 'wycheproof:63', `random:${SUBSET_SEED}:0`]);
	t.deepEqual(subset.map(vector => vector.expectedOk), [true, true, false, true]);
	t.is(subset[2]?.expected.toString('hex'), '00'.repeat(32));
});

test('smallSubset is deterministic', async t => {
	const [a, b] = await Promise.all([smallSubset(), smallSubset()]);
	t.deepEqual(a.map(v => v.expected.toString('hex')), b.map(v => v.expected.toString('hex')));
	t.deepEqual(a[3]?.scalar, b[3]?.scalar);
});

test('RFC only: six vectors and the two quick iterated tests', async t => {
	const set = await loadVectorSet({includeRfc: true, includeWycheproof: false});
	t.is(set.vectors.length, 6);
	t.deepEqual(set.iterated.map(vector => vector.iterations), [1, 1000]);
	t.is(set.seed, undefined);
});

test('everything, with a fixed seed and the million-iteration test', async t => {
	const set = await loadVectorSet({includeRfc: true, includeWycheproof: true, random: 5, seed: '0x10', millionIterations: true});
	t.is(set.vectors.length, 6 + 518 + 5);
	t.is(set.seed, 16);
	t.is(set.vectors.at(-1)?.id, 'random:16:4');
	t.deepEqual(set.iterated.map(vector => vector.iterations), [1, 1000, 1_000_000]);
	t.is(new Set(set.vectors.map(vector => vector.id)).size, set.vectors.length);
});

test('random without a seed draws one and reports it', async t => {
	const set = await loadVectorSet({includeRfc: false, includeWycheproof: false, random: 3});
	t.is(typeof set.seed, 'number');
	t.deepEqual(set.vectors.map(vector => vector.id), [0, 1, 2].map(i => `random:${set.seed}:${i}`));
});

test('a user file is read with source "file"', async t => {
	const directory = await tempDir(t, 'vectors');
	const file = join(directory, 'mine.json');
	await writeFile(file, await readFile(DEFAULT_WYCHEPROOF_PATH, 'utf8'));
	const set = await loadVectorSet({file, includeRfc: false, includeWycheproof: false});
	t.is(set.vectors.length, 518);
	t.true(set.vectors.every(vector => vector.source === 'file'));
	t.is(set.vectors[0]?.id, 'file:mine.json:1');
});

test('selecting nothing is a UsageError', async t => {
	await t.throwsAsync(loadVectorSet({includeRfc: false, includeWycheproof: false}), {instanceOf: UsageError});
	await t.throwsAsync(loadVectorSet({includeRfc: true, includeWycheproof: false, random: -2}), {instanceOf: UsageError});
	const badSeed = await t.throwsAsync(loadVectorSet({includeRfc: true, includeWycheproof: false, random: 1, seed: 'nope'}), {instanceOf: UsageError});
	t.regex(badSeed?.message ?? '', /^seed "nope": /);
});

test('a seed without random vectors is refused, not silently ignored', async t => {
	const error = await t.throwsAsync(loadVectorSet({includeRfc: true, includeWycheproof: false, random: 0, seed: 7}), {instanceOf: UsageError});
	t.is(error?.message, '--seed 7 has no effect with --random 0: leave --seed out, or ask for random vectors');
	const noRandom = await t.throwsAsync(loadVectorSet({includeRfc: true, includeWycheproof: false, seed: '0x10'}), {instanceOf: UsageError});
	t.regex(noRandom?.message ?? '', /^--seed 0x10 has no effect/);
});

test('a bad Wycheproof path is a UsageError naming it', async t => {
	const error = await t.throwsAsync(smallSubset({wycheproofPath: '/nonexistent/x.json'}), {instanceOf: UsageError});
	t.regex(error?.message ?? '', /^\/nonexistent\/x\.json: /);
});
