// Typed client over the agent's chardev socket: requests by id, answers matched by id.
import type {Socket} from 'node:net';
import {decodeMessage, FrameDecoder, ProtocolError, type AgentMessage} from './protocol.ts';

type Pending = {resolve: (message: AgentMessage) => void; reject: (error: Error) => void};

export class AgentClient {
	private readonly decoder = new FrameDecoder();
	private readonly pending = new Map<number, Pending>();
	private nextId = 1;
	private readyWaiters: ((message: Extract<AgentMessage, {kind: 'ready'}>) => void)[] = [];
	ready: Extract<AgentMessage, {kind: 'ready'}> | undefined;
	// Agent traffic, for the per-run agent log.
	readonly log: string[] = [];

	constructor(private readonly socket: Socket) {
		socket.on('data', chunk => this.receive(chunk));
		// EPIPE/ECONNRESET after qemu went away: fail what is in flight instead of crashing the process.
		socket.on('error', error => this.failAll(error));
	}

	private receive(chunk: Buffer): void {
		let frames;
		try {
			frames = this.decoder.push(chunk);
		} catch (error) {
			this.failAll(error as Error);
			return;
		}
		for (const frame of frames) {
			let message: AgentMessage;
			try {
				message = decodeMessage(frame);
			} catch (error) {
				this.failAll(error as Error);
				return;
			}
			this.log.push(`${new Date().toISOString()} <- ${summarize(message)}`);
			if (message.kind === 'ready') {
				this.ready = message;
				for (const w of this.readyWaiters.splice(0)) w(message);
				continue;
			}
			const id = message.id;
			const waiter = id === undefined ? undefined : this.pending.get(id);
			if (id !== undefined) this.pending.delete(id);
			if (waiter) waiter.resolve(message);
			else if (message.kind === 'error') this.failAll(new ProtocolError(`agent error: ${message.message}`, 'bad-request'));
		}
	}

	// Reject every request in flight (channel broken, VM gone).
	failAll(error: Error): void {
		for (const [, waiter] of this.pending) waiter.reject(error);
		this.pending.clear();
	}

	waitReady(): Promise<Extract<AgentMessage, {kind: 'ready'}>> {
		if (this.ready) return Promise.resolve(this.ready);
		return new Promise(resolve => this.readyWaiters.push(resolve));
	}

	// Send a request built for a fresh id; resolves with the agent's answer for that id.
	request(build: (id: number) => Buffer, label: string): {id: number; answer: Promise<AgentMessage>; cancel(): void} {
		const id = this.nextId++;
		let cancel = (): void => undefined;
		const answer = new Promise<AgentMessage>((resolve, reject) => {
			this.pending.set(id, {resolve, reject});
			cancel = () => this.pending.delete(id);
		});
		this.log.push(`${new Date().toISOString()} -> #${id} ${label}`);
		this.socket.write(build(id));
		return {id, answer, cancel};
	}
}

function summarize(message: AgentMessage): string {
	switch (message.kind) {
		case 'ready':
			return `ready ${message.release} features=[${message.cpuFeatures.join(' ')}]`;
		case 'exec-result':
			return `#${message.id} exit=${message.exitCode} signal=${message.signal} timedOut=${message.timedOut} ${message.durationMs}ms stdout=${JSON.stringify(message.stdout.toString().slice(0, 400))} stderr=${JSON.stringify(message.stderr.toString().slice(0, 400))}`;
		case 'write-result':
			return `#${message.id} write errno=${message.errno}${message.timedOut ? ' timedOut' : ''}`;
		case 'devio-result':
			return `#${message.id} devio errno=${message.errno} ${message.response.length} bytes${message.timedOut ? ' timedOut' : ''}`;
		case 'poweroff-ack':
			return `#${message.id} poweroff-ack`;
		case 'pong':
			return `#${message.id} pong`;
		case 'stuck':
			return `#${message.id} STUCK pid ${message.pid} (${message.comm}) state ${message.state} wchan ${message.wchan} after ${message.waitedMs}ms`;
		case 'error':
			return `#${message.id ?? '?'} error ${message.message}`;
		default: {
			const never: never = message;
			return String(never);
		}
	}
}
