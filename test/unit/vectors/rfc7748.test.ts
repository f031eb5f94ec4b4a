import test from 'ava';
import {x25519} from '@noble/curves/ed25519.js';
import {referenceX25519} from '../../../harness/vectors/random.ts';
import {
	rfc7748DiffieHellmanVectors,
	rfc7748IteratedVectors,
	rfc7748MillionIterations,
	rfc7748Vectors,
} from '../../../harness/vectors/rfc7748.ts';
import {BASE_POINT, isBasePoint, type IteratedVector, type X25519Vector} from '../../../harness/vectors/vector.ts';
import {ladderX25519} from './_reference-ladder.ts';

const agreesWithNoble = test.macro<[X25519Vector]>({
	exec(t, vector: X25519Vector) {
		t.is(Buffer.from(x25519.scalarMult(vector.scalar, vector.point)).toString('hex'), vector.expected.toString('hex'));
		t.is(ladderX25519(vector.scalar, vector.point).toString('hex'), vector.expected.toString('hex'));
		t.deepEqual(referenceX25519(vector.scalar, vector.point), {out: vector.expected, ok: true});
		t.true(vector.expectedOk);
	},
	title: (_, vector) => `${vector.id} matches noble and the RFC ladder`,
});

for (const vector of rfc7748Vectors()) {
	test(agreesWithNoble, vector);
}

test('§6.1 public keys use point 9 and equal noble getPublicKey', t => {
	const publics = rfc7748DiffieHellmanVectors().filter(vector => isBasePoint(vector));
	t.deepEqual(publics.map(vector => vector.id), ['rfc7748:6.1-alice-public', 'rfc7748:6.1-bob-public']);
	for (const vector of publics) {
		t.is(Buffer.from(x25519.getPublicKey(vector.scalar)).toString('hex'), vector.expected.toString('hex'));
	}
});

test('§6.1 shared secret agrees both ways and is the other side\'s public key input', t => {
	const byId = new Map(rfc7748Vectors().map(vector => [vector.id, vector]));
	const get = (id: string): X25519Vector => byId.get(`rfc7748:6.1-${id}`) ?? t.fail(`missing ${id}`) as never;
	t.deepEqual(get('alice-shared').expected, get('bob-shared').expected);
	t.deepEqual(get('alice-shared').point, get('bob-public').expected);
	t.deepEqual(get('bob-shared').point, get('alice-public').expected);
});

test('vectors are fresh copies, so a caller cannot corrupt the next call', t => {
	const first = rfc7748Vectors();
	first[0]?.expected.fill(0);
	first[2]?.point.fill(0);
	t.not(rfc7748Vectors()[0]?.expected.toString('hex'), '00'.repeat(32));
	t.true(rfc7748Vectors()[2]?.point.equals(BASE_POINT));
});

function iterate(vector: IteratedVector): Buffer {
	let [k, u] = [Buffer.from(vector.k), Buffer.from(vector.u)];
	for (let i = 0; i < vector.iterations; i++) {
		[k, u] = [Buffer.from(x25519.scalarMult(k, u)), k];
	}
	return k;
}

const iteratesLikeNoble = test.macro<[IteratedVector]>({
	exec(t, vector: IteratedVector) {
		t.is(iterate(vector).toString('hex'), vector.expected.toString('hex'));
	},
	title: (_, vector) => `${vector.id}: noble reaches the RFC value after ${vector.iterations} iterations`,
});

for (const vector of rfc7748IteratedVectors()) {
	test(iteratesLikeNoble, vector);
}

test('iterated vectors are 1 and 1,000; the million is separate', t => {
	t.deepEqual(rfc7748IteratedVectors().map(vector => vector.iterations), [1, 1000]);
	t.is(rfc7748MillionIterations().iterations, 1_000_000);
});

// About 10 minutes of BigInt arithmetic: opt in with KPLUG_SLOW_VECTORS=1.
(process.env['KPLUG_SLOW_VECTORS'] === '1' ? test : test.skip)(iteratesLikeNoble, rfc7748MillionIterations());
