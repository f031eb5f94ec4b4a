// Pure encoders/decoders for the kplug_x25519 test driver (modules/DRIVER-PROTOCOL.md).
import {KplugError, UsageError} from '../util/errors.ts';

export const DRIVER_MAGIC = 0x35_32_58_4b; // "KX25" little-endian
export const DRIVER_VERSION = 1;
export const DRIVER_MAX_ITEMS = 65_536;
export const DRIVER_KEY_SIZE = 32;
export const DRIVER_REQUEST_HEADER_LENGTH = 16;
export const DRIVER_RESPONSE_HEADER_LENGTH = 20;
export const DRIVER_RESPONSE_ITEM_LENGTH = DRIVER_KEY_SIZE + 4;
const U32_MAX = 0xff_ff_ff_ff;

export type DriverOp = 'x25519' | 'base' | 'iterate' | 'info';
export type DriverComputeOp = Exclude<DriverOp, 'info'>;
export type DriverMode = 'api' | 'generic';
// 'none' and 'mixed' are the protocol's codes 3 and 4 (no implementation ran / more than one did).
export type DriverPath = 'generic' | 'arch' | 'arch-entry' | 'none' | 'mixed';

export const DRIVER_OP_CODES: Readonly<Record<DriverOp, number>> = {x25519: 1, base: 2, iterate: 3, info: 4};
export const DRIVER_MODE_CODES: Readonly<Record<DriverMode, number>> = {api: 0, generic: 1};
export const DRIVER_PATH_NAMES: readonly DriverPath[] = ['generic', 'arch', 'arch-entry', 'none', 'mixed'];

// x25519 and iterate items carry scalar (k) and point (u); base items carry only the scalar.
export interface DriverRequestItem {
	scalar: Uint8Array;
	point?: Uint8Array;
}

export interface DriverRequest {
	op: DriverOp;
	mode: DriverMode;
	items: readonly DriverRequestItem[];
	// ITERATE only: how many X25519 rounds (>= 1).
	iterations?: number;
}

export interface DriverResponseItem {
	out: Buffer;
	ok: boolean;
	path: DriverPath;
}

export interface DriverResponse {
	op: DriverComputeOp;
	count: number;
	elapsedNs: bigint;
	items: DriverResponseItem[];
}

// Keys every INFO response carries (the driver may add more, e.g. hwcap_neon).
export const DRIVER_INFO_REQUIRED_KEYS = ['design', 'arch_resolved', 'arch_calls', 'generic_calls', 'simd_usable'] as const;

// Bytes per request item for an op.
export function driverRequestItemLength(op: DriverOp): number {
	switch (op) {
		case 'x25519':
		case 'iterate':
			return 2 * DRIVER_KEY_SIZE;
		case 'base':
			return DRIVER_KEY_SIZE;
		case 'info':
			return 0;
	}
}

function checkKey(value: unknown, what: string): Uint8Array {
	if (!(value instanceof Uint8Array)) {
		throw new UsageError(`${what}: expected ${DRIVER_KEY_SIZE} bytes, got ${value === undefined ? 'nothing' : typeof value}`);
	}
	if (value.length !== DRIVER_KEY_SIZE) {
		throw new UsageError(`${what}: expected ${DRIVER_KEY_SIZE} bytes, got ${value.length}`);
	}
	return value;
}

// Encode one request; throws UsageError for anything the driver would reject as malformed.
export function encodeDriverRequest(request: DriverRequest): Buffer {
	const {op, mode, items} = request;
	if (!Object.hasOwn(DRIVER_OP_CODES, op)) {
		throw new UsageError(`driver request: unknown op ${JSON.stringify(op)}`);
	}
	if (!Object.hasOwn(DRIVER_MODE_CODES, mode)) {
		throw new UsageError(`driver request: unknown mode ${JSON.stringify(mode)}`);
	}
	if (!Array.isArray(items)) {
		throw new UsageError('driver request: items must be an array');
	}
	if (items.length > DRIVER_MAX_ITEMS) {
		throw new UsageError(`driver request: ${items.length} items exceed the driver's batch limit of ${DRIVER_MAX_ITEMS}`);
	}

	let iterations = 0;
	if (op === 'iterate') {
		const n = request.iterations;
		if (n === undefined || !Number.isInteger(n) || n < 1 || n > U32_MAX) {
			throw new UsageError(`driver request: iterate needs an integer iterations in 1..${U32_MAX}, got ${String(n)}`);
		}
		if (items.length !== 1) {
			throw new UsageError(`driver request: iterate takes exactly 1 item (k, u), got ${items.length}`);
		}
		iterations = n;
	} else if (request.iterations !== undefined && request.iterations !== 0) {
		throw new UsageError(`driver request: iterations only apply to iterate, not ${op}`);
	}
	if (op === 'info' && items.length !== 0) {
		throw new UsageError(`driver request: info takes no items, got ${items.length}`);
	}

	const itemLength = driverRequestItemLength(op);
	const buf = Buffer.alloc(DRIVER_REQUEST_HEADER_LENGTH + items.length * itemLength);
	buf.writeUInt32LE(DRIVER_MAGIC, 0);
	buf.writeUInt8(DRIVER_VERSION, 4);
	buf.writeUInt8(DRIVER_OP_CODES[op], 5);
	buf.writeUInt8(DRIVER_MODE_CODES[mode], 6);
	buf.writeUInt8(0, 7);
	buf.writeUInt32LE(items.length, 8);
	buf.writeUInt32LE(iterations, 12);

	items.forEach((item, i) => {
		const at = DRIVER_REQUEST_HEADER_LENGTH + i * itemLength;
		buf.set(checkKey(item.scalar, `driver request item ${i} scalar`), at);
		if (op === 'base') {
			if (item.point !== undefined) {
				throw new UsageError(`driver request item ${i}: base takes no point (it is always 9)`);
			}
		} else {
			buf.set(checkKey(item.point, `driver request item ${i} point`), at + DRIVER_KEY_SIZE);
		}
	});
	return buf;
}

// Expected response size in bytes for a compute op answering `count` items.
export function driverResponseLength(count: number): number {
	return DRIVER_RESPONSE_HEADER_LENGTH + count * DRIVER_RESPONSE_ITEM_LENGTH;
}

const COMPUTE_OPS_BY_CODE: ReadonlyMap<number, DriverComputeOp> = new Map([
	[1, 'x25519'],
	[2, 'base'],
	[3, 'iterate'],
]);

// Decode a binary response (ops x25519/base/iterate); throws KplugError if it is malformed.
export function decodeDriverResponse(buf: Uint8Array): DriverResponse {
	const data = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
	if (data.length < DRIVER_RESPONSE_HEADER_LENGTH) {
		throw new KplugError(`driver response: ${data.length} bytes is shorter than the ${DRIVER_RESPONSE_HEADER_LENGTH}-byte header`);
	}
	const magic = data.readUInt32LE(0);
	if (magic !== DRIVER_MAGIC) {
		throw new KplugError(`driver response: bad magic 0x${magic.toString(16).padStart(8, '0')}`);
	}
	const version = data.readUInt8(4);
	if (version !== DRIVER_VERSION) {
		throw new KplugError(`driver response: unsupported version ${version}`);
	}
	const opCode = data.readUInt8(5);
	const op = COMPUTE_OPS_BY_CODE.get(opCode);
	if (op === undefined) {
		throw new KplugError(`driver response: op ${opCode} has no binary response`);
	}
	const reserved = data.readUInt16LE(6);
	if (reserved !== 0) {
		throw new KplugError(`driver response: reserved header field is ${reserved}, expected 0`);
	}
	const count = data.readUInt32LE(8);
	if (count > DRIVER_MAX_ITEMS) {
		throw new KplugError(`driver response: count ${count} exceeds ${DRIVER_MAX_ITEMS}`);
	}
	if (op === 'iterate' && count !== 1) {
		throw new KplugError(`driver response: iterate answers 1 item, got count ${count}`);
	}
	const expected = driverResponseLength(count);
	if (data.length !== expected) {
		throw new KplugError(`driver response: ${data.length} bytes for ${count} items, expected ${expected}`);
	}
	const elapsedNs = data.readBigUInt64LE(12);

	const items: DriverResponseItem[] = [];
	for (let i = 0; i < count; i++) {
		const at = DRIVER_RESPONSE_HEADER_LENGTH + i * DRIVER_RESPONSE_ITEM_LENGTH;
		const okByte = data.readUInt8(at + DRIVER_KEY_SIZE);
		if (okByte > 1) {
			throw new KplugError(`driver response item ${i}: ok byte is ${okByte}, expected 0 or 1`);
		}
		const pathByte = data.readUInt8(at + DRIVER_KEY_SIZE + 1);
		const path = DRIVER_PATH_NAMES[pathByte];
		if (path === undefined) {
			throw new KplugError(`driver response item ${i}: unknown path code ${pathByte}`);
		}
		const itemReserved = data.readUInt16LE(at + DRIVER_KEY_SIZE + 2);
		if (itemReserved !== 0) {
			throw new KplugError(`driver response item ${i}: reserved field is ${itemReserved}, expected 0`);
		}
		// Copy, so items never alias the caller's buffer.
		const out = Buffer.from(data.subarray(at, at + DRIVER_KEY_SIZE));
		items.push({out, ok: okByte === 1, path});
	}
	return {op, count, elapsedNs, items};
}

// Parse the INFO text (one key=value per line); throws KplugError if it is malformed.
export function parseDriverInfo(text: string | Uint8Array): Record<string, string> {
	const source = typeof text === 'string' ? text : Buffer.from(text.buffer, text.byteOffset, text.byteLength).toString('utf8');
	// Keys start with a letter, so __proto__ can never be assigned.
	const info: Record<string, string> = {};
	source.split('\n').forEach((rawLine, index) => {
		const line = rawLine.replace(/\r$/, '');
		if (line.trim() === '') {
			return;
		}
		const eq = line.indexOf('=');
		if (eq <= 0) {
			throw new KplugError(`driver info line ${index + 1}: expected key=value, got ${JSON.stringify(line)}`);
		}
		const key = line.slice(0, eq);
		if (!/^[a-z][a-z0-9_]*$/.test(key)) {
			throw new KplugError(`driver info line ${index + 1}: bad key ${JSON.stringify(key)}`);
		}
		if (Object.hasOwn(info, key)) {
			throw new KplugError(`driver info: key ${key} appears twice`);
		}
		info[key] = line.slice(eq + 1);
	});
	const missing = DRIVER_INFO_REQUIRED_KEYS.filter(key => !Object.hasOwn(info, key));
	if (missing.length > 0) {
		throw new KplugError(`driver info: missing ${missing.join(', ')}`);
	}
	return info;
}
