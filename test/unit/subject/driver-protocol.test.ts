import test from 'ava';
import {KplugError, UsageError} from '../../../harness/util/errors.ts';
import {
	DRIVER_MAGIC,
	DRIVER_MAX_ITEMS,
	decodeDriverResponse,
	driverResponseLength,
	encodeDriverRequest,
	parseDriverInfo,
	type DriverRequest,
} from '../../../harness/subject/driver-protocol.ts';

// 32 bytes with a recognisable pattern.
function key(seed: number): Buffer {
	return Buffer.from(Array.from({length: 32}, (_, i) => (seed * 31 + i) & 0xff));
}

interface RawItem {
	out: Buffer;
	ok: number;
	path: number;
	reserved?: number;
}

// Build a response by hand, byte by byte, independent of the decoder.
function rawResponse(op: number, items: RawItem[], elapsedNs: bigint, opts: {magic?: number; version?: number; reserved?: number; count?: number} = {}): Buffer {
	const buf = Buffer.alloc(20 + items.length * 36);
	buf.writeUInt32LE(opts.magic ?? 0x3532584b, 0);
	buf[4] = opts.version ?? 1;
	buf[5] = op;
	buf.writeUInt16LE(opts.reserved ?? 0, 6);
	buf.writeUInt32LE(opts.count ?? items.length, 8);
	buf.writeBigUInt64LE(elapsedNs, 12);
	items.forEach((item, i) => {
		const at = 20 + i * 36;
		item.out.copy(buf, at);
		buf[at + 32] = item.ok;
		buf[at + 33] = item.path;
		buf.writeUInt16LE(item.reserved ?? 0, at + 34);
	});
	return buf;
}

test('magic constant spells KX25 in little-endian bytes', t => {
	const b = Buffer.alloc(4);
	b.writeUInt32LE(DRIVER_MAGIC, 0);
	t.is(b.toString('latin1'), 'KX25');
});

test('x25519 request: 16-byte header then scalar/point pairs at 64-byte strides', t => {
	const items = [{scalar: key(1), point: key(2)}, {scalar: key(3), point: key(4)}];
	const buf = encodeDriverRequest({op: 'x25519', mode: 'api', items});
	t.is(buf.length, 16 + 2 * 64);
	t.deepEqual([...buf.subarray(0, 16)], [0x4b, 0x58, 0x32, 0x35, 1, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]);
	t.true(buf.subarray(16, 48).equals(key(1)));
	t.true(buf.subarray(48, 80).equals(key(2)));
	t.true(buf.subarray(80, 112).equals(key(3)));
	t.true(buf.subarray(112, 144).equals(key(4)));
});

test('base request in generic mode: mode byte 1, 32-byte items', t => {
	const buf = encodeDriverRequest({op: 'base', mode: 'generic', items: [{scalar: key(5)}, {scalar: key(6)}, {scalar: key(7)}]});
	t.is(buf.length, 16 + 3 * 32);
	t.is(buf[5], 2);
	t.is(buf[6], 1);
	t.is(buf.readUInt32LE(8), 3);
	t.is(buf.readUInt32LE(12), 0);
	t.true(buf.subarray(16 + 64, 16 + 96).equals(key(7)));
});

test('iterate request: count 1, iterations at offset 12', t => {
	const buf = encodeDriverRequest({op: 'iterate', mode: 'api', items: [{scalar: key(9), point: key(9)}], iterations: 1000});
	t.is(buf.length, 16 + 64);
	t.is(buf[5], 3);
	t.is(buf.readUInt32LE(8), 1);
	t.is(buf.readUInt32LE(12), 1000);
	const max = encodeDriverRequest({op: 'iterate', mode: 'api', items: [{scalar: key(9), point: key(9)}], iterations: 0xffffffff});
	t.is(max.readUInt32LE(12), 0xffffffff);
});

test('info request is a bare header', t => {
	const buf = encodeDriverRequest({op: 'info', mode: 'api', items: []});
	t.deepEqual([...buf], [0x4b, 0x58, 0x32, 0x35, 1, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
});

test('encoder rejects malformed requests with UsageError', t => {
	const bad: DriverRequest[] = [
		{op: 'x25519', mode: 'api', items: [{scalar: key(1)}]},
		{op: 'x25519', mode: 'api', items: [{scalar: key(1).subarray(0, 31), point: key(2)}]},
		{op: 'x25519', mode: 'api', items: [{scalar: key(1), point: Buffer.alloc(33)}]},
		{op: 'base', mode: 'api', items: [{scalar: key(1), point: key(2)}]},
		{op: 'x25519', mode: 'api', items: [{scalar: key(1), point: key(2)}], iterations: 5},
		{op: 'iterate', mode: 'api', items: [{scalar: key(1), point: key(2)}]},
		{op: 'iterate', mode: 'api', items: [{scalar: key(1), point: key(2)}], iterations: 0},
		{op: 'iterate', mode: 'api', items: [{scalar: key(1), point: key(2)}], iterations: 1.5},
		{op: 'iterate', mode: 'api', items: [{scalar: key(1), point: key(2)}], iterations: 2 ** 32},
		{op: 'iterate', mode: 'api', items: [{scalar: key(1), point: key(2)}, {scalar: key(1), point: key(2)}], iterations: 1},
		{op: 'iterate', mode: 'api', items: [], iterations: 1},
		{op: 'info', mode: 'api', items: [{scalar: key(1)}]},
		{op: 'sign' as DriverRequest['op'], mode: 'api', items: []},
		{op: 'x25519', mode: 'neon' as DriverRequest['mode'], items: []},
	];
	for (const request of bad) {
		t.throws(() => encodeDriverRequest(request), {instanceOf: UsageError}, JSON.stringify({op: request.op, mode: request.mode, n: request.items.length, it: request.iterations}));
	}
});

test('encoder enforces the 65536-item batch limit', t => {
	const item = {scalar: key(1)};
	const atLimit = encodeDriverRequest({op: 'base', mode: 'api', items: Array.from({length: DRIVER_MAX_ITEMS}, () => item)});
	t.is(atLimit.length, 16 + DRIVER_MAX_ITEMS * 32);
	t.is(atLimit.readUInt32LE(8), 65536);
	t.throws(() => encodeDriverRequest({op: 'base', mode: 'api', items: Array.from({length: DRIVER_MAX_ITEMS + 1}, () => item)}), {instanceOf: UsageError});
});

test('response decodes header, items, paths and a full 64-bit elapsedNs', t => {
	const elapsed = 0x0123_4567_89ab_cdefn;
	const buf = rawResponse(1, [
		{out: key(11), ok: 1, path: 0},
		{out: key(12), ok: 1, path: 1},
		{out: Buffer.alloc(32), ok: 0, path: 2},
		{out: Buffer.alloc(32), ok: 0, path: 3},
		{out: key(13), ok: 1, path: 4},
	], elapsed);
	t.is(buf.length, driverResponseLength(5));
	const response = decodeDriverResponse(buf);
	t.is(response.op, 'x25519');
	t.is(response.count, 5);
	t.is(response.elapsedNs, elapsed);
	t.deepEqual(response.items.map(item => item.path), ['generic', 'arch', 'arch-entry', 'none', 'mixed']);
	t.deepEqual(response.items.map(item => item.ok), [true, true, false, false, true]);
	t.true(response.items[0]!.out.equals(key(11)));
	t.true(response.items[1]!.out.equals(key(12)));
	t.true(response.items[4]!.out.equals(key(13)));
});

test('response items do not alias the input buffer', t => {
	const buf = rawResponse(2, [{out: key(21), ok: 1, path: 1}], 7n);
	const response = decodeDriverResponse(buf);
	t.is(response.op, 'base');
	buf.fill(0xee);
	t.true(response.items[0]!.out.equals(key(21)));
});

test('response decodes from a Uint8Array view at a non-zero offset', t => {
	const inner = rawResponse(3, [{out: key(31), ok: 1, path: 0}], 99n);
	const outer = new Uint8Array(inner.length + 8);
	outer.set(inner, 5);
	const response = decodeDriverResponse(outer.subarray(5, 5 + inner.length));
	t.is(response.op, 'iterate');
	t.is(response.elapsedNs, 99n);
	t.true(response.items[0]!.out.equals(key(31)));
});

test('empty batches decode', t => {
	const response = decodeDriverResponse(rawResponse(1, [], 0n));
	t.is(response.count, 0);
	t.deepEqual(response.items, []);
});

test('malformed and short responses are rejected with KplugError', t => {
	const good = rawResponse(1, [{out: key(1), ok: 1, path: 0}, {out: key(2), ok: 1, path: 0}], 5n);
	const cases: Record<string, Buffer> = {
		empty: Buffer.alloc(0),
		'short header': good.subarray(0, 19),
		'truncated item': good.subarray(0, good.length - 1),
		'header only with count 2': good.subarray(0, 20),
		'trailing byte': Buffer.concat([good, Buffer.alloc(1)]),
		'bad magic': rawResponse(1, [], 0n, {magic: 0x3532584c}),
		'bad version': rawResponse(1, [], 0n, {version: 2}),
		'info op has no binary response': rawResponse(4, [], 0n),
		'op 0': rawResponse(0, [], 0n),
		'nonzero reserved header': rawResponse(1, [], 0n, {reserved: 1}),
		'count larger than the data': rawResponse(1, [{out: key(1), ok: 1, path: 0}], 0n, {count: 2}),
		'count over the limit': rawResponse(1, [], 0n, {count: 65537}),
		'ok byte 2': rawResponse(1, [{out: key(1), ok: 2, path: 0}], 0n),
		'unknown path 5': rawResponse(1, [{out: key(1), ok: 1, path: 5}], 0n),
		'nonzero reserved item': rawResponse(1, [{out: key(1), ok: 1, path: 0, reserved: 0x100}], 0n),
		'iterate with 2 items': rawResponse(3, [{out: key(1), ok: 1, path: 0}, {out: key(1), ok: 1, path: 0}], 0n),
		'iterate with 0 items': rawResponse(3, [], 0n),
	};
	for (const [name, buf] of Object.entries(cases)) {
		const error = t.throws(() => decodeDriverResponse(buf), {instanceOf: KplugError}, name);
		t.false(error instanceof UsageError, `${name}: a bad response is not a usage error`);
	}
});

test('info text parses into key/value pairs (weak and mainline)', t => {
	const weak = parseDriverInfo('design=weak\narch_resolved=1\narch_calls=12\ngeneric_calls=3\nsimd_usable=1\nhwcap_neon=1\n');
	t.deepEqual(weak, {design: 'weak', arch_resolved: '1', arch_calls: '12', generic_calls: '3', simd_usable: '1', hwcap_neon: '1'});
	const mainline = parseDriverInfo(Buffer.from('design=mainline\r\narch_resolved=1\r\narch_calls=unobservable\r\ngeneric_calls=unobservable\r\nsimd_usable=0\r\n\r\n'));
	t.is(mainline.design, 'mainline');
	t.is(mainline.arch_calls, 'unobservable');
	t.is(mainline.simd_usable, '0');
	t.is(parseDriverInfo('design=x=y\narch_resolved=0\narch_calls=0\ngeneric_calls=0\nsimd_usable=1').design, 'x=y');
});

test('malformed info text is rejected with KplugError', t => {
	const full = 'design=weak\narch_resolved=1\narch_calls=0\ngeneric_calls=0\nsimd_usable=1\n';
	const cases: Record<string, string> = {
		'no equals sign': `${full}garbage\n`,
		'empty key': `${full}=1\n`,
		'bad key': `${full}Bad-Key=1\n`,
		'proto key': `${full}__proto__=1\n`,
		duplicate: `${full}design=mainline\n`,
		'missing simd_usable': full.replace('simd_usable=1\n', ''),
		empty: '',
	};
	for (const [name, text] of Object.entries(cases)) {
		t.throws(() => parseDriverInfo(text), {instanceOf: KplugError}, name);
	}
});
