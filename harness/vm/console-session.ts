// An interactive session on the guest's serial console (kplug shell). The agent runs `kplug-agent --shell` through
// EXEC (images/agent/PROTOCOL.md), so PID 1 only supervises a child; the host forwards its input to the UART and
// the UART's output between the helper's two marker lines to its output.
import {randomBytes} from 'node:crypto';
import {KplugError} from '../util/errors.ts';
import {RequestTimeoutError} from './errors.ts';
import type {VmHandle} from './vm.ts';

// The virt board's PL011 UART, the kernel console (console=ttyAMA0).
export const consoleTty = '/dev/ttyAMA0';
const agentPath = '/sbin/kplug-agent';
const endOfInput = '\x04';

export interface HelperSpec {
	tty: string;
	// Hex: the marker lines carry it, so that no output of the session can pass for them.
	marker: string;
	// Terminal behaviour (echo, \r\n) for a user at a terminal; a pipe gets neither.
	echo: boolean;
	size?: {rows: number; cols: number};
	command: readonly string[];
}

// The guest command that runs `command` on the console as its controlling terminal (pure).
export function shellHelperArgv(spec: HelperSpec): string[] {
	return [
		agentPath, '--shell', spec.tty, spec.marker,
		...(spec.echo ? [] : ['--no-echo']),
		...(spec.size && spec.size.rows > 0 && spec.size.cols > 0 ? ['--size', `${spec.size.rows}x${spec.size.cols}`] : []),
		'--', ...spec.command,
	];
}

export type FramerState = {kind: 'waiting'} | {kind: 'open'} | {kind: 'closed'; exitCode: number};

// How many bytes at the end of `buf` could be the start of `prefix` (held back until the next chunk says).
function partialPrefix(buf: Buffer, prefix: Buffer): number {
	for (let n = Math.min(prefix.length - 1, buf.length); n > 0; n--) if (buf.subarray(buf.length - n).equals(prefix.subarray(0, n))) return n;
	return 0;
}

// Cuts the session out of the console stream: nothing before the ready line (boot log), the bytes between, nothing
// from the exit line on. Byte-exact, whatever the chunking.
export class SessionFramer {
	state: FramerState = {kind: 'waiting'};
	private pending = Buffer.alloc(0);
	private readonly ready: Buffer;
	private readonly exit: Buffer;

	constructor(marker: string) {
		this.ready = Buffer.from(`kplug-shell:${marker}:ready`);
		this.exit = Buffer.from(`kplug-shell:${marker}:exit:`);
	}

	// Feed console bytes; returns what belongs to the session.
	push(chunk: Buffer): Buffer {
		let buf = Buffer.concat([this.pending, chunk]);
		this.pending = Buffer.alloc(0);
		if (this.state.kind === 'waiting') {
			const at = buf.indexOf(this.ready);
			const eol = at < 0 ? -1 : buf.indexOf(0x0a, at);
			if (eol < 0) {
				this.pending = at < 0 ? buf.subarray(buf.length - partialPrefix(buf, this.ready)) : buf.subarray(at);
				return Buffer.alloc(0);
			}
			this.state = {kind: 'open'};
			buf = buf.subarray(eol + 1);
		}
		if (this.state.kind !== 'open') return Buffer.alloc(0);
		const at = buf.indexOf(this.exit);
		if (at < 0) {
			const held = partialPrefix(buf, this.exit);
			this.pending = buf.subarray(buf.length - held);
			return buf.subarray(0, buf.length - held);
		}
		const eol = buf.indexOf(0x0a, at);
		if (eol < 0) {
			this.pending = buf.subarray(at);
		} else {
			const code = Number(/^\d+/.exec(buf.subarray(at + this.exit.length, eol).toString())?.[0] ?? 'NaN');
			this.state = {kind: 'closed', exitCode: Number.isSafeInteger(code) ? code : 255};
		}
		return buf.subarray(0, at);
	}
}

// For a pipe: the kernel's own console lines end in \r\n (its console driver adds the \r), the session's in \n.
export function plainLineEnds(): (chunk: Buffer) => Buffer {
	let heldCr = false;
	return chunk => {
		let text = (heldCr ? '\r' : '') + chunk.toString('latin1');
		heldCr = text.endsWith('\r');
		if (heldCr) text = text.slice(0, -1);
		return Buffer.from(text.replace(/\r\n/g, '\n'), 'latin1');
	};
}

export interface SessionIo {
	input: NodeJS.ReadableStream;
	output: NodeJS.WritableStream;
	// The user's stdin is a terminal (raw mode is the caller's business): the guest echoes and edits lines.
	interactive: boolean;
	size?: {rows: number; cols: number};
}

export interface SessionOptions {
	// What runs on the console (the shell).
	command: readonly string[];
	readyTimeoutMs?: number;
	// After the helper's answer, how long the exit line may trail it (the UART and the agent's port race).
	trailMs?: number;
}

// Run a session on a VM started with consoleInput; resolves with the command's exit status.
export async function runConsoleSession(vm: VmHandle, io: SessionIo, options: SessionOptions): Promise<number> {
	const channel = vm.console;
	if (!channel) throw new KplugError('the VM was started without console input');
	const marker = randomBytes(8).toString('hex');
	const framer = new SessionFramer(marker);
	const lineEnds = io.interactive ? (chunk: Buffer) => chunk : plainLineEnds();
	let opened: () => void = () => undefined;
	let closed: () => void = () => undefined;
	const ready = new Promise<void>(resolve => (opened = resolve));
	const ended = new Promise<void>(resolve => (closed = resolve));
	// Armed before the helper starts: its ready line can come before the request's promise is awaited.
	const off = channel.onOutput(chunk => {
		const out = lineEnds(framer.push(chunk));
		if (out.length > 0) io.output.write(out);
		if (framer.state.kind !== 'waiting') opened();
		if (framer.state.kind === 'closed') closed();
	});
	const argv = shellHelperArgv({tty: consoleTty, marker, echo: io.interactive, ...(io.size ? {size: io.size} : {}), command: options.command});
	const helper = vm.exec(argv, {timeoutMs: 0, step: 'shell'});
	const forwardEnd = (): void => {
		channel.input.write(endOfInput);
	};
	let timer: NodeJS.Timeout | undefined;
	try {
		const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
		const first = await Promise.race([
			ready.then(() => 'ready' as const),
			helper.then(() => 'ended' as const),
			new Promise<'timeout'>(resolve => (timer = setTimeout(() => resolve('timeout'), readyTimeoutMs))),
		]);
		clearTimeout(timer);
		if (first === 'timeout') {
			throw new RequestTimeoutError(`no shell on ${consoleTty}: the ready line never came`, 'shell', vm.consoleTail(), {waitingFor: 'kplug-shell ready line', waitedMs: readyTimeoutMs});
		}
		if (first === 'ended' && framer.state.kind === 'waiting') {
			const result = await helper;
			throw new KplugError(`the guest shell did not start (exit ${result.exitCode}): ${(result.stderr.trim() || result.stdout.trim() || 'no message').split('\n').join(' ')}`);
		}
		io.input.pipe(channel.input, {end: false});
		// A pipe that ends is end of input for the guest too (^D at the start of a line: the shell's EOF).
		if (!io.interactive) io.input.once('end', forwardEnd);
		const result = await helper;
		await Promise.race([ended, new Promise(resolve => (timer = setTimeout(resolve, options.trailMs ?? 2000)))]);
		if (framer.state.kind === 'closed') return framer.state.exitCode;
		return result.exitCode < 0 ? 128 + result.signal : result.exitCode;
	} finally {
		clearTimeout(timer);
		off();
		io.input.removeListener('end', forwardEnd);
		io.input.unpipe(channel.input);
		io.input.pause();
		// The helper may have failed before the ready line; its rejection is the one reported, once.
		helper.catch(() => undefined);
	}
}
