// Types shared by every vector source, plus the few byte helpers they all need.

export type VectorSource = 'rfc7748' | 'wycheproof' | 'random' | 'file';

// Wycheproof's verdict; RFC and random vectors are always 'valid'.
export type VectorResult = 'valid' | 'acceptable' | 'invalid';

// One X25519(scalar, point) computation and what the kernel must answer.
export interface X25519Vector {
	id: string;
	source: VectorSource;
	comment: string;
	scalar: Buffer;
	point: Buffer;
	expected: Buffer;
	// The boolean curve25519() returns: false exactly when `expected` is all zero.
	expectedOk: boolean;
	result: VectorResult;
	flags: string[];
}

// RFC 7748 §5.2 iterated test: repeat `k, u = X25519(k, u), k` `iterations` times; expect final k.
export interface IteratedVector {
	id: string;
	iterations: number;
	k: Buffer;
	u: Buffer;
	expected: Buffer;
}

export const KEY_BYTES = 32;

// u = 9, the Curve25519 base point, so base-point vectors double as X25519 items.
export const BASE_POINT: Buffer = Buffer.concat([Buffer.from([9]), Buffer.alloc(KEY_BYTES - 1)]);

// True when every byte is zero: the value the kernel API reports with ok = false.
export function isAllZero(bytes: Uint8Array): boolean {
	return bytes.every(byte => byte === 0);
}

// True when a vector's point is exactly the base point, i.e. it can also run as a BASE item.
export function isBasePoint(vector: X25519Vector): boolean {
	return vector.point.equals(BASE_POINT);
}

// Decode hex that the caller knows to be well formed (constants in source code).
export function fromHex(hex: string): Buffer {
	if (!/^(?:[0-9a-f]{2})*$/i.test(hex)) {
		throw new TypeError(`not hex: ${hex}`);
	}
	return Buffer.from(hex, 'hex');
}
