import test, {type ExecutionContext} from 'ava';
import {
	FrameDecoder,
	MAX_PAYLOAD_BYTES,
	MessageType,
	ProtocolError,
	decodeMessage,
	decodePayload,
	encodeDevio,
	encodeExec,
	encodeFrame,
	encodePoweroff,
	encodeWriteFile,
	type AgentMessage,
	type Frame,
	type ProtocolErrorReason,
} from '../../../harness/vm/protocol.ts';

const b = (text: string): Buffer => Buffer.from(text, 'utf8');
const binary = Buffer.from([0x00, 0xff, 0xc3, 0x28, 0x00, 0x80, 0xfe, 0x0a]); // NUL, 0xff, invalid UTF-8

const frameFields = (frame: Frame): string[] => frame.fields.map(field => field.toString('hex'));

const roundTrip = test.macro({
	exec(t: ExecutionContext, type: number, fields: Buffer[]) {
		const frames = new FrameDecoder().push(encodeFrame(type, fields));
		t.is(frames.length, 1);
		t.is(frames[0]?.type, type);
		t.deepEqual(frames[0] && frameFields(frames[0]), fields.map(field => field.toString('hex')));
	},
	title: (provided = '') => `frame round trip: ${provided}`,
});

test('no fields', roundTrip, MessageType.poweroff, []);
test('one empty field', roundTrip, MessageType.error, [Buffer.alloc(0)]);
test('text fields', roundTrip, MessageType.ready, [b('6.1.0'), b('1.25'), b('half thumb vfp neon'), b('0xc0f')]);
test('binary payload with NUL, 0xff and invalid UTF-8', roundTrip, MessageType.devioResult, [b('7'), b('0'), binary]);
test('large field (1 MiB)', roundTrip, MessageType.execResult, [Buffer.alloc(1 << 20, 0xa5)]);

test('frame layout is little-endian length, type, count, fields', t => {
	const frame = encodeFrame(0x41, [b('12')]);
	t.deepEqual([...frame], [11, 0, 0, 0, 0x41, 1, 0, 0, 0, 2, 0, 0, 0, 0x31, 0x32]);
});

const chunked = test.macro({
	exec(t: ExecutionContext, split: (stream: Buffer) => Buffer[]) {
		const messages = [
			encodeFrame(MessageType.writeResult, [b('1'), b('0'), b('Success'), b('0')]),
			encodeFrame(MessageType.devioResult, [b('2'), b('0'), binary, b('0')]),
			encodeFrame(MessageType.poweroffAck, [b('3')]),
		];
		const decoder = new FrameDecoder();
		const frames = split(Buffer.concat(messages)).flatMap(chunk => decoder.push(chunk));
		t.deepEqual(frames.map(frame => decodeMessage(frame)), [
			{kind: 'write-result', id: 1, errno: 0, message: 'Success', timedOut: false},
			{kind: 'devio-result', id: 2, errno: 0, response: binary, timedOut: false},
			{kind: 'poweroff-ack', id: 3},
		]);
		t.is(decoder.bufferedBytes, 0);
	},
	title: (provided = '') => `decoder handles ${provided}`,
});

test('one merged chunk', chunked, stream => [stream]);
test('byte-by-byte chunks', chunked, stream => [...stream].map(byte => Buffer.from([byte])));
test('chunks of 3 bytes', chunked, stream => Array.from({length: Math.ceil(stream.length / 3)}, (_, i) => stream.subarray(i * 3, i * 3 + 3)));
test('a split inside the length prefix', chunked, stream => [stream.subarray(0, 2), stream.subarray(2, 30), stream.subarray(30)]);
test('empty chunks in between', chunked, stream => [Buffer.alloc(0), stream.subarray(0, 10), Buffer.alloc(0), stream.subarray(10)]);

test('decoder holds a partial frame until the rest arrives', t => {
	const frame = encodePoweroff(5);
	const decoder = new FrameDecoder();
	t.deepEqual(decoder.push(frame.subarray(0, frame.length - 1)), []);
	t.is(decoder.bufferedBytes, frame.length - 1);
	const frames = decoder.push(frame.subarray(frame.length - 1));
	t.is(frames.length, 1);
	t.is(frames[0]?.type, MessageType.poweroff);
});

test('decoder rejects an oversize frame from its length prefix alone', t => {
	const decoder = new FrameDecoder();
	const prefix = Buffer.alloc(4);
	prefix.writeUInt32LE(MAX_PAYLOAD_BYTES + 1);
	const error = t.throws(() => decoder.push(prefix), {instanceOf: ProtocolError});
	t.is(error?.reason, 'oversize');
	// The stream is unusable afterwards: later pushes fail too.
	t.throws(() => decoder.push(encodePoweroff(1)), {instanceOf: ProtocolError});
});

test('encodeFrame rejects an oversize payload', t => {
	const error = t.throws(() => encodeFrame(MessageType.writeFile, [Buffer.alloc(MAX_PAYLOAD_BYTES)]), {instanceOf: ProtocolError});
	t.is(error?.reason, 'oversize');
});

const payload = (...parts: number[][]): Buffer => Buffer.from(parts.flat());
const u32 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24];

const malformed = test.macro({
	exec(t: ExecutionContext, body: Buffer, pattern: RegExp) {
		const error = t.throws(() => decodePayload(body), {instanceOf: ProtocolError});
		t.is(error?.reason, 'malformed');
		t.regex(error?.message ?? '', pattern);
		// The same bytes behind a valid length prefix fail the stream decoder too.
		t.throws(() => new FrameDecoder().push(Buffer.concat([Buffer.from(u32(body.length)), body])), {instanceOf: ProtocolError});
	},
	title: (provided = '') => `malformed payload: ${provided}`,
});

test('shorter than the header', malformed, payload([0x11, 1, 0]), /shorter than its header/);
test('field count larger than the payload', malformed, payload([0x11], u32(3), u32(0)), /cannot fit/);
test('truncated field length', malformed, payload([0x11], u32(3), u32(1), [0x41], u32(0), [0, 0, 0]), /length is truncated/);
test('truncated field data', malformed, payload([0x11], u32(1), u32(10), [0x41, 0x42]), /runs past the end/);
test('trailing bytes', malformed, payload([0x11], u32(1), u32(1), [0x41], [0x99]), /trailing bytes/);

const decodes = test.macro({
	exec(t: ExecutionContext, type: number, fields: Buffer[], expected: AgentMessage) {
		t.deepEqual(decodeMessage({type, fields}), expected);
	},
	title: (provided = '') => `decodeMessage: ${provided}`,
});

test('READY', decodes, MessageType.ready, [b('6.1.55'), b('0.84'), b('half thumb  fastmult vfp neon\n'), b('0xc0f')], {
	kind: 'ready', release: '6.1.55', uptimeSeconds: 0.84, cpuFeatures: ['half', 'thumb', 'fastmult', 'vfp', 'neon'], cpuModel: '0xc0f',
});
test('READY with unknown uptime and no features', decodes, MessageType.ready, [b('6.1.55'), b(''), b(''), b('')], {
	kind: 'ready', release: '6.1.55', uptimeSeconds: undefined, cpuFeatures: [], cpuModel: '',
});
test('EXEC_RESULT killed by a signal', decodes, MessageType.execResult, [b('9'), b('-1'), b('9'), b('1'), b('301'), binary, b('')], {
	kind: 'exec-result', id: 9, exitCode: -1, signal: 9, timedOut: true, durationMs: 301, stdout: binary, stderr: Buffer.alloc(0),
});
test('WRITE_RESULT', decodes, MessageType.writeResult, [b('4'), b('13'), b('Permission denied'), b('0')], {
	kind: 'write-result', id: 4, errno: 13, message: 'Permission denied', timedOut: false,
});
test('DEVIO_RESULT at its deadline', decodes, MessageType.devioResult, [b('5'), b('110'), b(''), b('1')], {
	kind: 'devio-result', id: 5, errno: 110, response: Buffer.alloc(0), timedOut: true,
});
test('STUCK with state and wait channel', decodes, MessageType.stuck, [b('6'), b('73'), b('insmod'), b('D'), b('do_init_module\n'), b('1002')], {
	kind: 'stuck', id: 6, pid: 73, comm: 'insmod', state: 'D', wchan: 'do_init_module', waitedMs: 1002,
});
test('ERROR without id', decodes, MessageType.error, [b(''), b('frame larger than 64 MiB')], {
	kind: 'error', id: undefined, message: 'frame larger than 64 MiB',
});
test('ERROR with id', decodes, MessageType.error, [b('17'), b('EXEC: bad timeoutMs')], {
	kind: 'error', id: 17, message: 'EXEC: bad timeoutMs',
});

const rejects = test.macro({
	exec(t: ExecutionContext, frame: Frame, reason: ProtocolErrorReason) {
		const error = t.throws(() => decodeMessage(frame), {instanceOf: ProtocolError});
		t.is(error?.reason, reason);
	},
	title: (provided = '') => `decodeMessage rejects ${provided}`,
});

test('a host-to-guest type', rejects, {type: MessageType.exec, fields: [b('1')]}, 'unexpected-type');
test('an unknown type', rejects, {type: 0x55, fields: []}, 'unexpected-type');
test('a wrong field count', rejects, {type: MessageType.poweroffAck, fields: [b('1'), b('2')]}, 'malformed');
test('a non-numeric id', rejects, {type: MessageType.poweroffAck, fields: [b('x1')]}, 'malformed');
test('a timedOut that is not 0/1', rejects, {type: MessageType.execResult, fields: ['1', '0', '0', 'yes', '5', '', ''].map(b)}, 'malformed');
test('a WRITE_RESULT without timedOut (the old 3-field form)', rejects, {type: MessageType.writeResult, fields: ['1', '0', 'Success'].map(b)}, 'malformed');

const fieldsOf = (frame: Buffer): string[] => {
	const frames = new FrameDecoder().push(frame);
	return frames[0]?.fields.map(field => field.toString('latin1')) ?? [];
};

test('encodeExec puts id, timeout, stdin, then argv', t => {
	const frame = encodeExec({id: 3, argv: ['modprobe', '-r', 'curve25519'], timeoutMs: 1500, stdin: Buffer.from([0, 255])});
	t.is(new FrameDecoder().push(frame)[0]?.type, MessageType.exec);
	t.deepEqual(fieldsOf(frame), ['3', '1500', '\x00\xff', 'modprobe', '-r', 'curve25519']);
	t.deepEqual(fieldsOf(encodeExec({id: 4, argv: ['true'], timeoutMs: 0})), ['4', '0', '', 'true']);
});

test('encodeWriteFile sends the mode as octal text', t => {
	const frame = encodeWriteFile({id: 8, timeoutMs: 10_000, path: '/etc/modprobe.d/x.conf', mode: 0o644, content: 'blacklist curve25519_neon\n'});
	t.deepEqual(fieldsOf(frame), ['8', '10000', '/etc/modprobe.d/x.conf', '644', 'blacklist curve25519_neon\n']);
});

test('encodeDevio and encodePoweroff', t => {
	t.deepEqual(fieldsOf(encodeDevio({id: 2, timeoutMs: 500, path: '/dev/kplug_x25519', request: binary, maxResponseBytes: 4096})), ['2', '500', '/dev/kplug_x25519', binary.toString('latin1'), '4096']);
	t.deepEqual(fieldsOf(encodePoweroff(99)), ['99']);
});

const badRequest = test.macro({
	exec(t: ExecutionContext, encode: () => Buffer) {
		const error = t.throws(encode, {instanceOf: ProtocolError});
		t.is(error?.reason, 'bad-request');
	},
	title: (provided = '') => `encoders reject ${provided}`,
});

test('an empty argv', badRequest, () => encodeExec({id: 1, argv: [], timeoutMs: 10}));
test('a NUL in argv', badRequest, () => encodeExec({id: 1, argv: ['echo', 'a\0b'], timeoutMs: 10}));
test('a negative id', badRequest, () => encodePoweroff(-1));
test('a fractional timeout', badRequest, () => encodeExec({id: 1, argv: ['true'], timeoutMs: 1.5}));
test('a mode above 0o7777', badRequest, () => encodeWriteFile({id: 1, timeoutMs: 10, path: '/x', mode: 0o10000, content: ''}));
test('a DEVIO response limit above 16 MiB', badRequest, () => encodeDevio({id: 1, timeoutMs: 10, path: '/x', request: Buffer.alloc(0), maxResponseBytes: 16 * 1024 * 1024 + 1}));
test('a WRITE_FILE without a deadline (0 ms)', badRequest, () => encodeWriteFile({id: 1, timeoutMs: 0, path: '/x', mode: 0o644, content: ''}));
test('a DEVIO without a deadline (0 ms)', badRequest, () => encodeDevio({id: 1, timeoutMs: 0, path: '/x', request: Buffer.alloc(0), maxResponseBytes: 1}));
