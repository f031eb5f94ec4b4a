// Test helper: the RFC 7748 §5 Montgomery ladder written out in BigInt, independent of noble.
// Unlike noble it never rejects a point, so it shows low-order points really give all zeros.

const P = 2n ** 255n - 19n;
const A24 = 121665n;

function mod(a: bigint): bigint {
	const r = a % P;
	return r < 0n ? r + P : r;
}

function power(base: bigint, exponent: bigint): bigint {
	let result = 1n;
	let b = mod(base);
	for (let e = exponent; e > 0n; e >>= 1n) {
		if (e & 1n) result = mod(result * b);
		b = mod(b * b);
	}
	return result;
}

function decodeLittleEndian(bytes: Uint8Array): bigint {
	let n = 0n;
	for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i] ?? 0);
	return n;
}

// X25519(scalar, point) exactly as RFC 7748 §5 specifies: clamp, mask bit 255, reduce, ladder.
export function ladderX25519(scalar: Uint8Array, point: Uint8Array): Buffer {
	const k = Buffer.from(scalar);
	k[0] = (k[0] ?? 0) & 248;
	k[31] = ((k[31] ?? 0) & 127) | 64;
	const u = Buffer.from(point);
	u[31] = (u[31] ?? 0) & 127;
	const kn = decodeLittleEndian(k);
	const x1 = mod(decodeLittleEndian(u));
	let [x2, z2, x3, z3, swap] = [1n, 0n, x1, 1n, 0n];
	for (let t = 254n; t >= 0n; t--) {
		const kt = (kn >> t) & 1n;
		swap ^= kt;
		if (swap) [x2, x3, z2, z3] = [x3, x2, z3, z2];
		swap = kt;
		const a = x2 + z2;
		const aa = mod(a * a);
		const b = x2 - z2;
		const bb = mod(b * b);
		const e = aa - bb;
		const da = mod((x3 - z3) * a);
		const cb = mod((x3 + z3) * b);
		x3 = mod((da + cb) ** 2n);
		z3 = mod(x1 * (da - cb) ** 2n);
		x2 = mod(aa * bb);
		z2 = mod(e * (aa + A24 * e));
	}
	if (swap) [x2, z2] = [x3, z3];
	let n = mod(x2 * power(z2, P - 2n));
	const out = Buffer.alloc(32);
	for (let i = 0; i < 32; i++, n >>= 8n) out[i] = Number(n & 0xffn);
	return out;
}
