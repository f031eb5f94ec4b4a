// Seeded random X25519 vectors, with expected values from @noble/curves as the reference.
import {randomInt} from 'node:crypto';
import {x25519} from '@noble/curves/ed25519.js';
import {UsageError} from '../util/errors.ts';
import {isAllZero, KEY_BYTES, type X25519Vector} from './vector.ts';

const UINT32_MAX = 0xffff_ffff;

// What the kernel's curve25519() would write and return, computed by noble.
// noble refuses the low-order points instead of returning zero; every clamped scalar is a
// multiple of the cofactor 8, so X25519 of such a point is all zero and curve25519() says false.
export function referenceX25519(scalar: Uint8Array, point: Uint8Array): {out: Buffer; ok: boolean} {
	// noble checks the point before the scalar's length, so check lengths before mapping its refusal.
	if (scalar.length !== KEY_BYTES || point.length !== KEY_BYTES) {
		throw new TypeError(`X25519 needs a ${KEY_BYTES}-byte scalar and point, got ${scalar.length} and ${point.length}`);
	}
	try {
		const out = Buffer.from(x25519.scalarMult(scalar, point));
		return {out, ok: !isAllZero(out)};
	} catch (error) {
		if (error instanceof Error && error.message === 'invalid private or public key received') {
			return {out: Buffer.alloc(KEY_BYTES), ok: false};
		}
		throw error;
	}
}

// Turn a --seed value (uint32, or a decimal / 0x-hex string) into the PRNG seed.
export function parseSeed(value: number | string): number {
	let seed = Number.NaN;
	if (typeof value === 'number') {
		seed = value;
	} else if (/^\d{1,10}$/.test(value.trim())) {
		seed = Number.parseInt(value.trim(), 10);
	} else if (/^0x[\da-f]{1,8}$/i.test(value.trim())) {
		seed = Number.parseInt(value.trim().slice(2), 16);
	}
	if (!Number.isInteger(seed) || seed < 0 || seed > UINT32_MAX) {
		throw new UsageError(`seed ${JSON.stringify(value)}: expected an integer 0..${UINT32_MAX} (decimal or 0x hex)`);
	}
	return seed;
}

// A fresh uint32 seed for runs that were not given one (report it so the run can be repeated).
export function newSeed(): number {
	return randomInt(0, 2 ** 32 - 1);
}

// Deterministic PRNG: xoshiro128** (Blackman and Vigna) with its 128-bit state filled by four
// splitmix32 outputs of the seed. Same seed, same stream, on every platform and Node version:
// it uses only 32-bit integer operations (Math.imul, shifts), never Math.random.
export class SeededRandom {
	private readonly state: Uint32Array;

	constructor(seed: number) {
		let mix = parseSeed(seed);
		this.state = new Uint32Array(4);
		for (let i = 0; i < 4; i++) {
			mix = (mix + 0x9e37_79b9) >>> 0;
			let z = mix;
			z = Math.imul(z ^ (z >>> 16), 0x21f0_aaad);
			z = Math.imul(z ^ (z >>> 15), 0x735a_2d97);
			this.state[i] = (z ^ (z >>> 15)) >>> 0;
		}
		// xoshiro must not start from the all-zero state.
		if (this.state.every(word => word === 0)) {
			this.state[0] = 1;
		}
	}

	// Next 32-bit output as an unsigned integer.
	nextUint32(): number {
		const s = this.state;
		const s0 = s[0] ?? 0;
		const s1 = s[1] ?? 0;
		const s2 = s[2] ?? 0;
		const s3 = s[3] ?? 0;
		const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
		const t = s1 << 9;
		const n2 = s2 ^ s0;
		const n3 = s3 ^ s1;
		s[1] = s1 ^ n2;
		s[0] = s0 ^ n3;
		s[2] = n2 ^ t;
		s[3] = rotl(n3, 11);
		return result;
	}

	// `length` bytes, each 32-bit output written little-endian.
	bytes(length: number): Buffer {
		const out = Buffer.alloc(Math.ceil(length / 4) * 4);
		for (let offset = 0; offset < out.length; offset += 4) {
			out.writeUInt32LE(this.nextUint32(), offset);
		}
		return out.subarray(0, length);
	}
}

function rotl(x: number, k: number): number {
	return ((x << k) | (x >>> (32 - k))) >>> 0;
}

// `n` random (scalar, point) pairs for `seed`: 32 raw random bytes each, neither clamped nor
// top-bit masked, so the kernel's clamping and masking are exercised too.
export function randomVectors(n: number, seed: number | string): X25519Vector[] {
	if (!Number.isSafeInteger(n) || n < 0) {
		throw new UsageError(`random vector count ${JSON.stringify(n)}: expected a non-negative integer`);
	}
	const parsed = parseSeed(seed);
	const rng = new SeededRandom(parsed);
	const vectors: X25519Vector[] = [];
	for (let i = 0; i < n; i++) {
		const scalar = rng.bytes(KEY_BYTES);
		const point = rng.bytes(KEY_BYTES);
		const {out, ok} = referenceX25519(scalar, point);
		vectors.push({
			id: `random:${parsed}:${i}`,
			source: 'random',
			comment: `seed ${parsed} #${i}`,
			scalar,
			point,
			expected: out,
			expectedOk: ok,
			result: 'valid',
			flags: [],
		});
	}
	return vectors;
}
