// RFC 7748 test vectors, copied from the RFC text (§5.2 and §6.1).
import {BASE_POINT, fromHex, type IteratedVector, type X25519Vector} from './vector.ts';

// Built fresh on each call so no caller can mutate a shared Buffer.
function rfcVector(id: string, comment: string, scalar: string, point: Buffer, expected: string): X25519Vector {
	return {
		id: `rfc7748:${id}`,
		source: 'rfc7748',
		comment,
		scalar: fromHex(scalar),
		point,
		expected: fromHex(expected),
		expectedOk: true,
		result: 'valid',
		flags: ['Ktv'],
	};
}

const ALICE_PRIVATE = '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a';
const ALICE_PUBLIC = '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a';
const BOB_PRIVATE = '5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb';
const BOB_PUBLIC = 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f';
const SHARED = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';

// The two single-shot vectors of RFC 7748 §5.2.
export function rfc7748FunctionVectors(): X25519Vector[] {
	return [
		rfcVector(
			'5.2-1',
			'RFC 7748 §5.2 test vector 1',
			'a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4',
			fromHex('e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c'),
			'c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552',
		),
		rfcVector(
			'5.2-2',
			'RFC 7748 §5.2 test vector 2',
			'4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d',
			fromHex('e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493'),
			'95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957',
		),
	];
}

// RFC 7748 §6.1 Diffie-Hellman: both public keys (point = 9, so BASE-capable) and the shared secret both ways.
export function rfc7748DiffieHellmanVectors(): X25519Vector[] {
	return [
		rfcVector('6.1-alice-public', 'RFC 7748 §6.1 Alice public = X25519(a, 9)', ALICE_PRIVATE, Buffer.from(BASE_POINT), ALICE_PUBLIC),
		rfcVector('6.1-bob-public', 'RFC 7748 §6.1 Bob public = X25519(b, 9)', BOB_PRIVATE, Buffer.from(BASE_POINT), BOB_PUBLIC),
		rfcVector('6.1-alice-shared', 'RFC 7748 §6.1 K = X25519(a, Bob public)', ALICE_PRIVATE, fromHex(BOB_PUBLIC), SHARED),
		rfcVector('6.1-bob-shared', 'RFC 7748 §6.1 K = X25519(b, Alice public)', BOB_PRIVATE, fromHex(ALICE_PUBLIC), SHARED),
	];
}

// Every single-shot RFC 7748 vector (§5.2 then §6.1).
export function rfc7748Vectors(): X25519Vector[] {
	return [...rfc7748FunctionVectors(), ...rfc7748DiffieHellmanVectors()];
}

// k = u = 9 encoded as 32 bytes, the RFC's starting point for the iterated test.
function iterated(iterations: number, expected: string): IteratedVector {
	return {
		id: `rfc7748:5.2-iterated-${iterations}`,
		iterations,
		k: Buffer.from(BASE_POINT),
		u: Buffer.from(BASE_POINT),
		expected: fromHex(expected),
	};
}

// RFC 7748 §5.2 iterated test after 1 and 1,000 iterations (seconds even in an emulated guest).
export function rfc7748IteratedVectors(): IteratedVector[] {
	return [
		iterated(1, '422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079'),
		iterated(1000, '684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51'),
	];
}

// RFC 7748 §5.2 iterated test after 1,000,000 iterations: slow under TCG, so only behind a flag.
export function rfc7748MillionIterations(): IteratedVector {
	return iterated(1_000_000, '7c3911e0ab2586fd864497297e575e6f3bc601c0883c30df5f4dd2d24f665424');
}
