// Host side of the kplug agent wire protocol; images/agent/PROTOCOL.md is the contract.
import {KplugError} from '../util/errors.ts';

// Largest payload either side accepts (the u32 length prefix is not counted).
export const MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;
// Largest DEVIO response the agent agrees to collect (its DEVIO_CAP).
export const MAX_DEVIO_RESPONSE_BYTES = 16 * 1024 * 1024;

// Message type bytes, as in the PROTOCOL.md table.
export const MessageType = {
	ready: 0x01, exec: 0x10, execResult: 0x11, writeFile: 0x20, writeResult: 0x21,
	devio: 0x30, devioResult: 0x31, poweroff: 0x40, poweroffAck: 0x41, ping: 0x50, pong: 0x51, stuck: 0x7e, error: 0x7f,
} as const;

export type MessageTypeCode = (typeof MessageType)[keyof typeof MessageType];

export interface Frame {
	type: number;
	// Views into the decoder's copy of the frame; never mutated by the decoder.
	fields: Buffer[];
}

export type ProtocolErrorReason = 'oversize' | 'malformed' | 'unexpected-type' | 'bad-request';

// The byte stream or a message broke the protocol; after one the stream cannot be trusted.
export class ProtocolError extends KplugError {
	override name = 'ProtocolError';
	constructor(
		message: string,
		readonly reason: ProtocolErrorReason,
		readonly frameType?: number,
	) {
		super(message);
	}
}

export type AgentMessage =
	| {kind: 'ready'; release: string; uptimeSeconds: number | undefined; cpuFeatures: string[]; cpuModel: string}
	// exitCode is -1 when the child was killed by `signal`.
	| {kind: 'exec-result'; id: number; exitCode: number; signal: number; timedOut: boolean; durationMs: number; stdout: Buffer; stderr: Buffer}
	// timedOut: the agent killed the operation at its deadline (errno is then ETIMEDOUT).
	| {kind: 'write-result'; id: number; errno: number; message: string; timedOut: boolean}
	| {kind: 'devio-result'; id: number; errno: number; response: Buffer; timedOut: boolean}
	| {kind: 'poweroff-ack'; id: number}
	| {kind: 'pong'; id: number}
	// The request's child survived SIGKILL at its deadline: stuck in the kernel, as /proc/<pid>/ showed it.
	| {kind: 'stuck'; id: number; pid: number; comm: string; state: string; wchan: string; waitedMs: number}
	| {kind: 'error'; id: number | undefined; message: string};

export type Bytes = string | Uint8Array;

const toBuffer = (value: Bytes): Buffer => (typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value));

// Frames one message: u32 payloadLength, u8 type, u32 fieldCount, (u32 length, bytes)*.
export function encodeFrame(type: number, fields: readonly Uint8Array[]): Buffer {
	if (!Number.isInteger(type) || type < 0 || type > 0xff) {
		throw new ProtocolError(`message type ${type} does not fit in a byte`, 'bad-request');
	}
	const payloadLength = 5 + fields.reduce((sum, field) => sum + 4 + field.length, 0);
	if (payloadLength > MAX_PAYLOAD_BYTES) {
		throw new ProtocolError(`frame payload of ${payloadLength} bytes exceeds ${MAX_PAYLOAD_BYTES}`, 'oversize', type);
	}
	const frame = Buffer.allocUnsafe(4 + payloadLength);
	frame.writeUInt32LE(payloadLength, 0);
	frame.writeUInt8(type, 4);
	frame.writeUInt32LE(fields.length, 5);
	let offset = 9;
	for (const field of fields) {
		frame.writeUInt32LE(field.length, offset);
		frame.set(field, offset + 4);
		offset += 4 + field.length;
	}
	return frame;
}

// Splits one payload (without its length prefix) into type and fields.
export function decodePayload(payload: Buffer): Frame {
	if (payload.length < 5) throw new ProtocolError(`payload of ${payload.length} bytes is shorter than its header`, 'malformed');
	const type = payload.readUInt8(0);
	const count = payload.readUInt32LE(1);
	if (count > (payload.length - 5) / 4) {
		throw new ProtocolError(`field count ${count} cannot fit in ${payload.length} bytes`, 'malformed', type);
	}
	const fields: Buffer[] = [];
	let offset = 5;
	for (let i = 0; i < count; i++) {
		if (payload.length - offset < 4) throw new ProtocolError(`field ${i} length is truncated`, 'malformed', type);
		const length = payload.readUInt32LE(offset);
		if (length > payload.length - offset - 4) {
			throw new ProtocolError(`field ${i} (${length} bytes) runs past the end of the payload`, 'malformed', type);
		}
		fields.push(payload.subarray(offset + 4, offset + 4 + length));
		offset += 4 + length;
	}
	if (offset !== payload.length) {
		throw new ProtocolError(`${payload.length - offset} trailing bytes after the last field`, 'malformed', type);
	}
	return {type, fields};
}

// Incremental frame parser for a byte stream: chunks may split or merge frames anywhere.
export class FrameDecoder {
	#chunks: Buffer[] = [];
	#buffered = 0;
	#failed: ProtocolError | undefined;

	// Feeds bytes in; returns every frame they complete, in order.
	push(chunk: Buffer): Frame[] {
		if (this.#failed) throw this.#failed;
		if (chunk.length > 0) {
			this.#chunks.push(chunk);
			this.#buffered += chunk.length;
		}
		const frames: Frame[] = [];
		try {
			for (;;) {
				if (this.#buffered < 4) break;
				const payloadLength = this.#head().readUInt32LE(0);
				if (payloadLength > MAX_PAYLOAD_BYTES) {
					throw new ProtocolError(`incoming frame of ${payloadLength} bytes exceeds ${MAX_PAYLOAD_BYTES}`, 'oversize');
				}
				if (this.#buffered < 4 + payloadLength) break;
				frames.push(decodePayload(this.#take(4 + payloadLength).subarray(4)));
			}
		} catch (error) {
			this.#failed = error instanceof ProtocolError ? error : new ProtocolError(String(error), 'malformed');
			throw this.#failed;
		}
		return frames;
	}

	// Bytes held back waiting for the rest of a frame.
	get bufferedBytes(): number {
		return this.#buffered;
	}

	#head(): Buffer {
		const first = this.#chunks[0];
		if (first && first.length >= 4) return first;
		this.#chunks = [Buffer.concat(this.#chunks)];
		return this.#chunks[0] ?? Buffer.alloc(0);
	}

	#take(n: number): Buffer {
		const all = this.#chunks.length === 1 && this.#chunks[0] ? this.#chunks[0] : Buffer.concat(this.#chunks);
		// Copy so a frame never aliases a caller's chunk (or the rest of the stream).
		const taken = Buffer.from(all.subarray(0, n));
		this.#chunks = all.length > n ? [all.subarray(n)] : [];
		this.#buffered -= n;
		return taken;
	}
}

const text = (field: Buffer): string => field.toString('utf8');

function integer(field: Buffer, what: string, type: number): number {
	const value = text(field);
	if (!/^-?\d{1,15}$/.test(value)) throw new ProtocolError(`${what} is not a decimal integer: ${JSON.stringify(value)}`, 'malformed', type);
	return Number(value);
}

function flag(field: Buffer, what: string, type: number): boolean {
	const value = text(field);
	if (value !== '0' && value !== '1') throw new ProtocolError(`${what} is ${JSON.stringify(value)}`, 'malformed', type);
	return value === '1';
}

function expectFields(frame: Frame, count: number, name: string): Buffer[] {
	if (frame.fields.length !== count) {
		throw new ProtocolError(`${name} has ${frame.fields.length} fields, expected ${count}`, 'malformed', frame.type);
	}
	return frame.fields;
}

// Turns a guest→host frame into a typed message (throws on host→guest or unknown types).
export function decodeMessage(frame: Frame): AgentMessage {
	const t = frame.type;
	switch (t) {
		case MessageType.ready: {
			const [release, uptime, features, model] = expectFields(frame, 4, 'READY') as [Buffer, Buffer, Buffer, Buffer];
			const uptimeText = text(uptime);
			const uptimeSeconds = /^\d+(\.\d+)?$/.test(uptimeText) ? Number(uptimeText) : undefined;
			const cpuFeatures = text(features).split(/\s+/).filter(feature => feature !== '');
			return {kind: 'ready', release: text(release), uptimeSeconds, cpuFeatures, cpuModel: text(model)};
		}
		case MessageType.execResult: {
			const [id, exitCode, signal, timedOut, durationMs, stdout, stderr] = expectFields(frame, 7, 'EXEC_RESULT') as [Buffer, Buffer, Buffer, Buffer, Buffer, Buffer, Buffer];
			return {
				kind: 'exec-result',
				id: integer(id, 'EXEC_RESULT id', t),
				exitCode: integer(exitCode, 'EXEC_RESULT exitCode', t),
				signal: integer(signal, 'EXEC_RESULT signal', t),
				timedOut: flag(timedOut, 'EXEC_RESULT timedOut', t),
				durationMs: integer(durationMs, 'EXEC_RESULT durationMs', t),
				stdout,
				stderr,
			};
		}
		case MessageType.writeResult: {
			const [id, errno, message, timedOut] = expectFields(frame, 4, 'WRITE_RESULT') as [Buffer, Buffer, Buffer, Buffer];
			return {kind: 'write-result', id: integer(id, 'WRITE_RESULT id', t), errno: integer(errno, 'WRITE_RESULT errno', t), message: text(message), timedOut: flag(timedOut, 'WRITE_RESULT timedOut', t)};
		}
		case MessageType.devioResult: {
			const [id, errno, response, timedOut] = expectFields(frame, 4, 'DEVIO_RESULT') as [Buffer, Buffer, Buffer, Buffer];
			return {kind: 'devio-result', id: integer(id, 'DEVIO_RESULT id', t), errno: integer(errno, 'DEVIO_RESULT errno', t), response, timedOut: flag(timedOut, 'DEVIO_RESULT timedOut', t)};
		}
		case MessageType.stuck: {
			const [id, pid, comm, state, wchan, waitedMs] = expectFields(frame, 6, 'STUCK') as [Buffer, Buffer, Buffer, Buffer, Buffer, Buffer];
			return {kind: 'stuck', id: integer(id, 'STUCK id', t), pid: integer(pid, 'STUCK pid', t), comm: text(comm), state: text(state), wchan: text(wchan).trim(), waitedMs: integer(waitedMs, 'STUCK waitedMs', t)};
		}
		case MessageType.poweroffAck: {
			const [id] = expectFields(frame, 1, 'POWEROFF_ACK') as [Buffer];
			return {kind: 'poweroff-ack', id: integer(id, 'POWEROFF_ACK id', t)};
		}
		case MessageType.pong: {
			const [id] = expectFields(frame, 1, 'PONG') as [Buffer];
			return {kind: 'pong', id: integer(id, 'PONG id', t)};
		}
		case MessageType.error: {
			const [id, message] = expectFields(frame, 2, 'ERROR') as [Buffer, Buffer];
			return {kind: 'error', id: id.length === 0 ? undefined : integer(id, 'ERROR id', t), message: text(message)};
		}
		default:
			throw new ProtocolError(`unexpected message type 0x${t.toString(16).padStart(2, '0')} from the guest`, 'unexpected-type', t);
	}
}

function checkUint(value: number, what: string, max = Number.MAX_SAFE_INTEGER): Buffer {
	if (!Number.isSafeInteger(value) || value < 0 || value > max) throw new ProtocolError(`${what} must be an integer in 0..${max}, got ${value}`, 'bad-request');
	return Buffer.from(String(value));
}

// A path or argv word: the agent turns it into a C string, so NUL cannot travel.
function cString(value: string, what: string): Buffer {
	if (value.includes('\0')) throw new ProtocolError(`${what} contains a NUL character`, 'bad-request');
	return Buffer.from(value, 'utf8');
}

// EXEC: run argv directly (no shell) in the guest; timeoutMs 0 means no timeout.
export function encodeExec(request: {id: number; argv: readonly string[]; timeoutMs: number; stdin?: Bytes}): Buffer {
	if (request.argv.length === 0) throw new ProtocolError('EXEC needs a non-empty argv', 'bad-request');
	return encodeFrame(MessageType.exec, [
		checkUint(request.id, 'EXEC id'),
		checkUint(request.timeoutMs, 'EXEC timeoutMs'),
		toBuffer(request.stdin ?? ''),
		...request.argv.map((word, i) => cString(word, `argv[${i}]`)),
	]);
}

// A deadline for WRITE_FILE and DEVIO: at least 1 ms (unlike EXEC, 0 does not mean "none").
function checkDeadline(value: number, what: string): Buffer {
	if (value === 0) throw new ProtocolError(`${what} must be at least 1 ms: every request has a deadline`, 'bad-request');
	return checkUint(value, what);
}

// WRITE_FILE: create (with parent directories) and fill a guest file; mode is a number like 0o644.
export function encodeWriteFile(request: {id: number; timeoutMs: number; path: string; mode: number; content: Bytes}): Buffer {
	checkUint(request.mode, 'WRITE_FILE mode', 0o7777);
	return encodeFrame(MessageType.writeFile, [
		checkUint(request.id, 'WRITE_FILE id'),
		checkDeadline(request.timeoutMs, 'WRITE_FILE timeoutMs'),
		cString(request.path, 'WRITE_FILE path'),
		Buffer.from(request.mode.toString(8)),
		toBuffer(request.content),
	]);
}

// DEVIO: one write of `request` to a guest device node, then read until EOF or maxResponseBytes.
export function encodeDevio(request: {id: number; timeoutMs: number; path: string; request: Uint8Array; maxResponseBytes: number}): Buffer {
	return encodeFrame(MessageType.devio, [
		checkUint(request.id, 'DEVIO id'),
		checkDeadline(request.timeoutMs, 'DEVIO timeoutMs'),
		cString(request.path, 'DEVIO path'),
		Buffer.from(request.request),
		checkUint(request.maxResponseBytes, 'DEVIO maxResponseBytes', MAX_DEVIO_RESPONSE_BYTES),
	]);
}

// POWEROFF: ask the agent to acknowledge, sync and power the guest off.
export function encodePoweroff(id: number): Buffer {
	return encodeFrame(MessageType.poweroff, [checkUint(id, 'POWEROFF id')]);
}

// PING: the agent answers PONG from its serve loop (no child): a restored guest's first sign of life.
export function encodePing(id: number): Buffer {
	return encodeFrame(MessageType.ping, [checkUint(id, 'PING id')]);
}
