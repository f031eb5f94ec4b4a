// A minimal QMP client (one command at a time, events ignored): what saving a VM's state needs.
import {createConnection, type Socket} from 'node:net';
import {KplugError} from '../util/errors.ts';

export class QmpError extends KplugError {
	override name = 'QmpError';
}

export interface Qmp {
	execute(command: string, args?: Record<string, unknown>): Promise<unknown>;
	close(): void;
}

// Connect to qemu's QMP socket and leave capabilities negotiation mode.
export async function connectQmp(path: string, timeoutMs = 10_000): Promise<Qmp> {
	const socket: Socket = createConnection(path);
	let buffered = '';
	const waiting: {resolve: (value: unknown) => void; reject: (error: Error) => void}[] = [];
	let greeted: () => void = () => undefined;
	const greeting = new Promise<void>(resolve => (greeted = resolve));
	const failAll = (error: Error): void => {
		for (const w of waiting.splice(0)) w.reject(error);
	};
	socket.on('data', chunk => {
		buffered += chunk.toString();
		for (let at = buffered.indexOf('\n'); at >= 0; at = buffered.indexOf('\n')) {
			const line = buffered.slice(0, at).trim();
			buffered = buffered.slice(at + 1);
			if (!line) continue;
			let message: Record<string, unknown>;
			try {
				message = JSON.parse(line) as Record<string, unknown>;
			} catch {
				failAll(new QmpError(`QMP: not JSON: ${line.slice(0, 200)}`));
				continue;
			}
			if ('QMP' in message) greeted();
			else if ('return' in message) waiting.shift()?.resolve(message['return']);
			else if ('error' in message) waiting.shift()?.reject(new QmpError(`QMP: ${JSON.stringify(message['error'])}`));
		}
	});
	socket.on('error', error => failAll(new QmpError(`QMP socket: ${error.message}`)));
	socket.on('close', () => failAll(new QmpError('QMP socket closed')));
	let timer: NodeJS.Timeout | undefined;
	const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new QmpError(`no QMP greeting within ${timeoutMs} ms`)), timeoutMs)));
	const execute = (command: string, args?: Record<string, unknown>): Promise<unknown> =>
		new Promise((resolve, reject) => {
			waiting.push({resolve, reject});
			socket.write(JSON.stringify({execute: command, ...(args ? {arguments: args} : {})}) + '\n');
		});
	try {
		await Promise.race([greeting, deadline]);
		await Promise.race([execute('qmp_capabilities'), deadline]);
	} catch (error) {
		socket.destroy();
		throw error;
	} finally {
		clearTimeout(timer);
	}
	return {execute, close: () => socket.destroy()};
}
