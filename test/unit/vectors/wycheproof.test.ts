import test from 'ava';
import {readFile, writeFile} from 'node:fs/promises';
import {join, relative} from 'node:path';
import {UsageError} from '../../../harness/util/errors.ts';
import {repoPath} from '../../../harness/util/paths.ts';
import {referenceX25519} from '../../../harness/vectors/random.ts';
import {DEFAULT_WYCHEPROOF_PATH, loadWycheproof, parseWycheproof} from '../../../harness/vectors/wycheproof.ts';
import {isAllZero} from '../../../harness/vectors/vector.ts';
import {ladderX25519} from './_reference-ladder.ts';
import {tempDir} from '../../_temp.ts';

// Top-level awaits come before any test() call: AVA requires tests to be declared synchronously.
const vectors = await loadWycheproof();
const original = JSON.parse(await readFile(DEFAULT_WYCHEPROOF_PATH, 'utf8')) as {
	numberOfTests: number;
	testGroups: Array<Record<string, unknown> & {tests: Array<Record<string, unknown>>}>;
};
const P = 2n ** 255n - 19n;

function littleEndian(bytes: Buffer): bigint {
	return BigInt(`0x${Buffer.from(bytes).reverse().toString('hex')}`);
}

test('all 518 Wycheproof vectors parse with unique ids', t => {
	t.is(vectors.length, 518);
	t.is(new Set(vectors.map(vector => vector.id)).size, 518);
	t.true(vectors.every(vector => vector.source === 'wycheproof' && /^wycheproof:\d+$/.test(vector.id)));
	t.true(vectors.every(vector => [vector.scalar, vector.point, vector.expected].every(bytes => bytes.length === 32)));
	t.is(vectors.find(vector => vector.id === 'wycheproof:1')?.comment, 'normal case');
});

test('noble agrees with every expected value and every expectedOk', t => {
	const disagreements = vectors
		.filter(vector => {
			const {out, ok} = referenceX25519(vector.scalar, vector.point);
			return !out.equals(vector.expected) || ok !== vector.expectedOk;
		})
		.map(vector => vector.id);
	t.deepEqual(disagreements, []);
});

test('an independent RFC 7748 ladder agrees with every expected value', t => {
	const disagreements = vectors
		.filter(vector => !ladderX25519(vector.scalar, vector.point).equals(vector.expected))
		.map(vector => vector.id);
	t.deepEqual(disagreements, []);
});

test('expectedOk is false for exactly the 31 ZeroSharedSecret vectors', t => {
	const notOk = vectors.filter(vector => !vector.expectedOk);
	t.is(notOk.length, 31);
	t.true(notOk.every(vector => isAllZero(vector.expected) && vector.flags.includes('ZeroSharedSecret')));
	t.is(vectors.filter(vector => vector.flags.includes('ZeroSharedSecret')).length, 31);
	t.true(notOk.every(vector => vector.result === 'acceptable'));
});

test('data facts: results, clamping, top bit, canonical points', t => {
	const count = (predicate: (index: number) => boolean): number => vectors.filter((_, i) => predicate(i)).length;
	const at = (i: number) => vectors[i] ?? t.fail() as never;
	t.is(count(i => at(i).result === 'valid'), 264);
	t.is(count(i => at(i).result === 'acceptable'), 254);
	t.is(count(i => at(i).result === 'invalid'), 0);
	// Only the RFC 7748 Alice key (tcId 102, from RFC 8037) is stored unclamped.
	const unclamped = vectors.filter(({scalar}) => (scalar[0] ?? 0) & 7 || ((scalar[31] ?? 0) & 0xc0) !== 0x40);
	t.deepEqual(unclamped.map(vector => vector.id), ['wycheproof:102']);
	t.is(count(i => ((at(i).point[31] ?? 0) & 0x80) !== 0), 21);
	const nonCanonical = vectors.filter(({point}) => littleEndian(point) % 2n ** 255n >= P);
	t.deepEqual(nonCanonical.map(vector => Number(vector.id.slice(11))), [74, 75, 81, 82, 83, 85, 87, 88, 89, 90, 99]);
	t.is(count(i => at(i).flags.includes('NonCanonicalPublic')), 19);
});

// A plain clone must work: the default file is the repository's own copy, with its licence and source beside it.
test('the default path is the copy inside the repository, with licence and README naming the source', async t => {
	t.is(DEFAULT_WYCHEPROOF_PATH, repoPath('vectors', 'wycheproof-x25519_test.json'));
	t.false(relative(repoPath(), DEFAULT_WYCHEPROOF_PATH).startsWith('..'), 'inside the repository');
	t.regex(await readFile(repoPath('vectors', 'LICENSE-wycheproof'), 'utf8'), /Apache License\s+Version 2\.0/);
	const readme = await readFile(repoPath('vectors', 'README.md'), 'utf8');
	t.regex(readme, /C2SP\/wycheproof/);
	t.regex(readme, /Apache-2\.0/);
});

test('a --file gets source "file" and ids naming the file', t => {
	const [first] = parseWycheproof(JSON.stringify(minimal()), '/tmp/mine.json', 'file');
	t.is(first?.source, 'file');
	t.is(first?.id, 'file:mine.json:1');
});

function minimal(): Record<string, unknown> {
	return {
		algorithm: 'XDH',
		numberOfTests: 1,
		testGroups: [{type: 'XdhComp', curve: 'curve25519', tests: [{
			tcId: 1, comment: 'c', flags: [], result: 'valid',
			public: '09'.padEnd(64, '0'), private: '11'.repeat(32), shared: '22'.repeat(32),
		}]}],
	};
}


type Document = typeof original;

// Each case edits a fresh copy of the shared file (tcId 17 unless it says otherwise).
const rejects = test.macro<[(document: Document, tc17: Record<string, unknown>) => void, string]>({
	async exec(t, edit, expected) {
		const document = structuredClone(original);
		const tc17 = document.testGroups[0]?.tests.find(test => test['tcId'] === 17) ?? t.fail() as never;
		edit(document, tc17);
		const directory = await tempDir(t, 'vectors');
		const path = join(directory, 'vectors.json');
		await writeFile(path, JSON.stringify(document, null, 1));
		const error = await t.throwsAsync(loadWycheproof(path, 'file'), {instanceOf: UsageError});
		t.is(error?.message, `${path}: ${expected}`);
		t.false(error?.message.includes('\n'));
	},
	title: (title = '') => `malformed file: ${title}`,
});

test('public too short', rejects, (_, tc) => (tc['public'] = String(tc['public']).slice(2)), 'tcId 17: field "public": expected 64 hex characters, got 62');
test('private too long', rejects, (_, tc) => (tc['private'] = `${String(tc['private'])}00`), 'tcId 17: field "private": expected 64 hex characters, got 66');
test('shared empty', rejects, (_, tc) => (tc['shared'] = ''), 'tcId 17: field "shared": expected 64 hex characters, got 0');
test('non-hex private', rejects, (_, tc) => (tc['private'] = `zz${String(tc['private']).slice(2)}`), 'tcId 17: field "private": expected hex, found "z" at character 0');
test('hex as a number', rejects, (_, tc) => (tc['public'] = 9), 'tcId 17: field "public": expected a string, got number 9');
test('missing public', rejects, (_, tc) => delete tc['public'], 'tcId 17: field "public": expected a string, got nothing (field missing)');
test('missing comment', rejects, (_, tc) => delete tc['comment'], 'tcId 17: field "comment": expected a string, got nothing (field missing)');
test('flags not an array', rejects, (_, tc) => (tc['flags'] = 'Twist'), 'tcId 17: field "flags": expected an array, got string "Twist"');
test('flag not a string', rejects, (_, tc) => (tc['flags'] = ['Twist', 3]), 'tcId 17: field "flags": entry 1: expected a string, got number 3');
test('bad result', rejects, (_, tc) => (tc['result'] = 'maybe'), 'tcId 17: field "result": expected one of valid|acceptable|invalid, got string "maybe"');
test('missing result', rejects, (_, tc) => delete tc['result'], 'tcId 17: field "result": expected one of valid|acceptable|invalid, got nothing (field missing)');
test('tcId as a string', rejects, (_, tc) => (tc['tcId'] = '17'), 'testGroups[0].tests[16]: field "tcId": expected a non-negative integer, got string "17"');
test('duplicate tcId', rejects, (_, tc) => (tc['tcId'] = 16), 'tcId 16: field "tcId": duplicate test id');
test('X448 group', rejects, document => (document.testGroups[0]!['curve'] = 'curve448'), 'testGroups[0]: field "curve": expected "curve25519", got string "curve448"');
test('ASN.1 group', rejects, document => (document.testGroups[0]!['type'] = 'XdhAsnComp'), 'testGroups[0]: field "type": expected "XdhComp", got string "XdhAsnComp"');
test('no testGroups', rejects, document => delete (document as Partial<Document>).testGroups, 'field "testGroups": expected an array, got nothing (field missing)');
test('numberOfTests disagrees', rejects, document => document.testGroups[0]!.tests.pop(), 'field "numberOfTests": says number 518, but the file holds 517 tests');

const badJson = test.macro<[string, string]>({
	async exec(t, text, expected) {
		const directory = await tempDir(t, 'vectors');
		const path = join(directory, 'vectors.json');
		await writeFile(path, text);
		const error = await t.throwsAsync(loadWycheproof(path), {instanceOf: UsageError});
		t.is(error?.message, `${path}: ${expected}`);
	},
	title: (title = '') => `invalid JSON: ${title}`,
});

test('truncated', badJson, '{"testGroups": [\n  {"tests": [', 'invalid JSON at line 2 column 14 (offset 30): unexpected end of input');
test('missing value', badJson, '{\n "a": }', 'invalid JSON at line 2 column 7 (offset 8): expected a value, found "}"');
test('trailing comma', badJson, '[1,\n2,\n]', 'invalid JSON at line 3 column 1 (offset 7): expected a value, found "]"');
test('single quotes', badJson, "{'a': 1}", 'invalid JSON at line 1 column 2 (offset 1): expected \'"\', found "\'"');
test('bad escape', badJson, '["a\\x"]', 'invalid JSON at line 1 column 4 (offset 3): bad escape in string, found "\\\\"');
test('garbage after', badJson, '{} x', 'invalid JSON at line 1 column 4 (offset 3): unexpected data after the JSON value, found "x"');
test('top level array', badJson, '[]', 'expected a JSON object at top level, got an array');

const samePositionAsV8 = test.macro<[string]>({
	exec(t, text) {
		const v8 = (() => {
			try {
				JSON.parse(text);
			} catch (error) {
				return /at position (\d+)/.exec((error as Error).message)?.[1];
			}
			return t.fail('V8 accepted it') as never;
		})();
		t.truthy(v8, 'V8 gave no position for this input');
		t.regex(t.throws(() => parseWycheproof(text, 'x.json'))?.message ?? '', new RegExp(`\\(offset ${v8}\\)`));
	},
	title: (_, text) => `JSON error offset matches V8 for ${JSON.stringify(text)}`,
});

for (const text of ['{"a":1', '{"a" 1}', '{"a":"x\ny"}', '[1 2]', '{"a":01}']) {
	test(samePositionAsV8, text);
}

test('an unreadable file is a UsageError naming it', async t => {
	const error = await t.throwsAsync(loadWycheproof('/nonexistent/vectors.json', 'file'), {instanceOf: UsageError});
	t.is(error?.message, '/nonexistent/vectors.json: cannot read vector file (ENOENT)');
});
