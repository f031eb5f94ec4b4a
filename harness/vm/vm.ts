// One VM: start qemu, wait for the agent, run requests, close (poweroff → SIGTERM → SIGKILL).
import {createWriteStream} from 'node:fs';
import {mkdir, mkdtemp, rename, rm, writeFile} from 'node:fs/promises';
import {createServer, type Socket} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {spawnLong} from '../util/exec.ts';
import {interruption, KplugError} from '../util/errors.ts';
import {isStopping, track} from '../util/reaper.ts';
import {AgentClient} from './agent-client.ts';
import {ConsoleWatcher, type ConsoleEvent} from './console-watch.ts';
import {AgentLostError, AgentRequestError, BootTimeoutError, GuestStuckError, KernelCrashError, QemuExitedError, QemuStartError, RequestTimeoutError} from './errors.ts';
import {encodeDevio, encodeExec, encodePing, encodePoweroff, encodeWriteFile, type AgentMessage} from './protocol.ts';
import {qemuArgs, shellQuote} from './qemu-args.ts';
import {connectQmp} from './qmp.ts';

export interface VmOptions {
	kernel: string;
	initrd: string;
	qemuCpu: string;
	memoryMiB?: number;
	append?: readonly string[];
	// Where console.log and agent.log go.
	logDir: string;
	bootTimeoutMs?: number;
	qemuBinary?: string;
	// The command's interrupt: when it fires, qemu is killed and every wait rejects with an InterruptedError.
	signal?: AbortSignal;
	// Give the serial console an input (qemu's stdin, a pipe): the handle's `console` (kplug shell).
	consoleInput?: boolean;
	// A QMP socket, so that the handle can save the VM's state (saveState).
	monitor?: boolean;
	// Start from a saved state instead of booting (same kernel, image, CPU, memory and command line).
	restore?: RestorePoint;
}

export type ReadyMessage = Extract<AgentMessage, {kind: 'ready'}>;

// A VM state saved once the agent was ready: the state file (a migration stream), the READY it sent then, and the
// console text printed until then (a restored VM's console.log starts with it, as if it had booted).
export interface RestorePoint {
	stateFile: string;
	ready: ReadyMessage;
	consoleText: string;
	// What the boot's preparation answered before the state was saved (subject/snapshots.ts), if it had one.
	prepared?: unknown;
}

// The guest's serial console as bytes: what the host types in, and what the UART prints (qemu's stdout).
export interface ConsoleChannel {
	input: NodeJS.WritableStream;
	onOutput(listener: (chunk: Buffer) => void): () => void;
}

export interface ExecResult {
	argv: string[];
	exitCode: number;
	signal: number;
	stdout: string;
	stderr: string;
	durationMs: number;
	// Console events (oops, WARN, …) seen while this request was in flight.
	console: ConsoleEvent[];
	// Console lines printed while it was in flight (kernel log of this step).
	consoleLines: string[];
}

export interface VmHandle {
	pid: number;
	ready: ReadyMessage;
	bootMs: number;
	// Where bootMs went (the bench's per-cell breakdown).
	startPhases: VmStartPhases;
	consoleLog: string;
	// Present when started with consoleInput.
	console: ConsoleChannel | undefined;
	// timeoutMs 0: no deadline at all (an interactive session); settleMs: wait that long after the answer for console lines the step printed (module loads).
	exec(argv: readonly string[], options?: {timeoutMs?: number; stdin?: string | Uint8Array; step?: string; settleMs?: number}): Promise<ExecResult>;
	writeFile(path: string, content: string | Uint8Array, mode?: number, options?: {timeoutMs?: number}): Promise<void>;
	devio(path: string, request: Uint8Array, options?: {timeoutMs?: number; step?: string}): Promise<{errno: number; response: Buffer}>;
	consoleTail(lines?: number): string;
	// Stop the guest and save its state to `file` (needs `monitor`); the VM stays stopped: close it afterwards.
	saveState(file: string, options?: {timeoutMs?: number}): Promise<void>;
	close(): Promise<void>;
}

// Milliseconds of a VM start, in order: log folder and socket before qemu; qemu until it connects to the agent
// socket; the kernel until it runs init (its console line; absent if never seen); init until the agent's READY.
// A restored VM has restoreMs instead of the last two: the socket connection until the agent answered PING.
export interface VmStartPhases {
	prepareMs: number;
	qemuStartMs: number;
	kernelBootMs?: number;
	agentReadyMs?: number;
	restoreMs?: number;
}

// The kernel's last line before userspace: where kernel boot ends and the agent's start begins.
const initLine = /Run \S+ as init process/;

// Split a VM start by its time stamps (performance.now() values); the init phases only when the line was seen.
export function startPhases(t: {entered: number; spawned: number; connected: number; init: number | undefined; ready: number}): VmStartPhases {
	const ms = (from: number, to: number): number => Math.round(to - from);
	const init = t.init !== undefined && t.init >= t.connected && t.init <= t.ready ? t.init : undefined;
	return {
		prepareMs: ms(t.entered, t.spawned),
		qemuStartMs: ms(t.spawned, t.connected),
		...(init !== undefined ? {kernelBootMs: ms(t.connected, init), agentReadyMs: ms(init, t.ready)} : {}),
	};
}

// Start a VM and wait until its agent says ready (or fail with a typed error).
export async function startVm(options: VmOptions): Promise<VmHandle> {
	if (options.signal?.aborted) throw interruption(options.signal, 'not starting a VM');
	if (isStopping()) throw new QemuStartError('not starting a VM: kplug is being interrupted', 'boot', '');
	const entered = performance.now();
	await mkdir(options.logDir, {recursive: true});
	const consoleLog = join(options.logDir, 'console.log');
	const agentLog = join(options.logDir, 'agent.log');
	const sockDir = await mkdtemp(join(tmpdir(), 'kplug-'));
	const sockPath = join(sockDir, 'agent.sock');
	const server = createServer();
	const qmpPath = join(sockDir, 'qmp.sock');
	const restore = options.restore;
	const argv = qemuArgs({
		kernel: options.kernel, initrd: options.initrd, qemuCpu: options.qemuCpu, memoryMiB: options.memoryMiB ?? 256, agentSocket: sockPath, append: options.append ?? [],
		...(options.monitor ? {qmpSocket: qmpPath} : {}),
		...(restore ? {incomingState: restore.stateFile} : {}),
	});
	let connected: Promise<Socket>;
	try {
		await new Promise<void>((resolve, reject) => server.once('error', reject).listen(sockPath, resolve));
		connected = new Promise<Socket>(resolve => server.once('connection', resolve));
		await writeFile(join(options.logDir, 'qemu-argv.json'), JSON.stringify([options.qemuBinary ?? 'qemu-system-arm', ...argv], null, 1));
	} catch (error) {
		// Before qemu starts (a socket path too long, an unwritable log folder): the socket folder goes now.
		server.close();
		await rm(sockDir, {recursive: true, force: true});
		throw error;
	}
	const started = performance.now();
	const qemu = spawnLong(options.qemuBinary ?? 'qemu-system-arm', argv, {stdin: options.consoleInput ? 'pipe' : 'ignore'});
	const consoleFile = createWriteStream(consoleLog);
	// A full or vanished log folder must not crash kplug (an unhandled 'error' event) nor stop the VM: the watcher
	// keeps the console; the failure is noted in agent.log.
	let consoleError: Error | undefined;
	consoleFile.on('error', error => {
		consoleError ??= error;
	});
	const watcher = new ConsoleWatcher();
	// A restored VM's console goes on from the snapshot's: its log and watcher start with what the boot printed.
	if (restore) {
		consoleFile.write(restore.consoleText);
		watcher.push(restore.consoleText);
	}
	const consoleListeners = new Set<(chunk: Buffer) => void>();
	qemu.onOutput((chunk, from) => {
		if (!consoleError) consoleFile.write(chunk);
		watcher.push(chunk);
		if (from === 'stdout') for (const listener of consoleListeners) listener(chunk);
	});
	const consoleChannel: ConsoleChannel | undefined = options.consoleInput && qemu.stdin
		? {input: qemu.stdin, onOutput: listener => (consoleListeners.add(listener), () => consoleListeners.delete(listener))}
		: undefined;

	let client: AgentClient | undefined;
	let socket: Socket | undefined;
	let closing = false;
	// Set once a request's process is stuck in the guest kernel: close() then kills qemu instead of asking.
	let stuck = false;
	// Set when the agent's channel closed while qemu runs.
	let lost: AgentLostError | undefined;
	// Set once the state was saved: the guest is stopped and will not answer a poweroff.
	let stopped = false;
	let closed: Promise<void> | undefined;
	// On SIGINT/SIGTERM: kill and wait (bounded) until qemu is really gone before kplug exits.
	// The socket folder goes too: kplug may exit before close() is called (the command's grace ran out).
	const untrack = track(async () => {
		hardKill();
		await Promise.race([qemu.exited, new Promise(resolve => setTimeout(resolve, 3000))]);
		await rm(sockDir, {recursive: true, force: true});
	});

	function hardKill(): void {
		qemu.kill('SIGKILL');
	}

	async function cleanup(): Promise<void> {
		untrack();
		signal?.removeEventListener('abort', onAbort);
		socket?.destroy();
		server.close();
		watcher.flush();
		// After an error the stream never calls back from end().
		if (!consoleError) await new Promise<void>(resolve => consoleFile.end(resolve));
		else consoleFile.destroy();
		const notes = consoleError ? [`console.log could not be written: ${(consoleError as NodeJS.ErrnoException).code ?? consoleError.message}`] : [];
		if (client || notes.length) await writeFile(agentLog, [...notes, ...(client?.log ?? [])].join('\n') + '\n').catch(() => undefined);
		await rm(sockDir, {recursive: true, force: true});
	}

	// A promise that rejects when qemu exits, the kernel crashes (panic) or the command is interrupted, for racing
	// against waits.
	const signal = options.signal;
	let rejectFatal: (error: Error) => void = () => undefined;
	const onAbort = (): void => {
		rejectFatal(interruption(signal!, `VM ${currentStep}`));
		hardKill();
	};
	const fatal = new Promise<never>((_, reject) => {
		rejectFatal = error => {
			client?.failAll(error);
			reject(error);
		};
		// An abort that came while qemu was being spawned fires no event: act on it now.
		if (signal?.aborted) queueMicrotask(onAbort);
		else signal?.addEventListener('abort', onAbort, {once: true});
		void qemu.exited.then(({exitCode, signal: qemuSignal}) => {
			if (closing || signal?.aborted) return;
			watcher.flush();
			const panic = watcher.events.find(e => e.kind === 'panic' || e.kind === 'oops');
			const err = panic
				? new KernelCrashError(`kernel ${panic.kind}: ${panic.line.trim()}`, currentStep, watcher.tailText(), panic.kind)
				: client?.ready
					? new QemuExitedError(`qemu exited unexpectedly (exit ${exitCode ?? qemuSignal})`, currentStep, watcher.tailText(), {qemuExitCode: exitCode, qemuSignal: qemuSignal})
					: new QemuStartError(`qemu exited during start (exit ${exitCode ?? qemuSignal})`, currentStep, watcher.tailText(), {qemuExitCode: exitCode, qemuSignal: qemuSignal});
			rejectFatal(err);
		});
	});
	fatal.catch(() => undefined);
	let currentStep = 'boot';
	let initAt: number | undefined;
	const offInit = watcher.onLine(line => {
		if (initAt === undefined && initLine.test(line)) initAt = performance.now();
	});

	async function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
		let timer: NodeJS.Timeout | undefined;
		const timeout = new Promise<never>((_, reject) => {
			if (Number.isFinite(ms)) timer = setTimeout(() => reject(onTimeout()), ms);
		});
		try {
			return await Promise.race([work, timeout, fatal]);
		} finally {
			clearTimeout(timer);
		}
	}

	// A raw socket error (ECONNRESET when qemu dies, e.g. on a state it cannot load) is the agent's channel gone, a
	// VM failure like any other: qemu's exit, seen within 2 s, says more (a crash, a failed restore).
	async function channelFailure(error: unknown, step: string): Promise<never> {
		if (error instanceof KplugError) throw error;
		let timer: NodeJS.Timeout | undefined;
		const exit = await Promise.race([fatal.then(() => undefined, (e: unknown) => e), new Promise(resolve => (timer = setTimeout(resolve, 2000)))]);
		clearTimeout(timer);
		if (exit instanceof KplugError) throw exit;
		throw new AgentLostError(`the agent's channel failed: ${(error as Error).message}`, step, watcher.tailText());
	}

	try {
		const bootTimeoutMs = options.bootTimeoutMs ?? 60_000;
		const waited = (waitingFor: string): {waitingFor: string; waitedMs: number} => ({waitingFor, waitedMs: Math.round(performance.now() - started)});
		socket = await withDeadline(connected, bootTimeoutMs, () => new BootTimeoutError('qemu never connected to the agent socket', 'boot', watcher.tailText(), waited('agent socket connection')));
		const connectedAt = performance.now();
		client = new AgentClient(socket);
		// The channel closing while qemu runs is the agent gone; when qemu is exiting, its exit says more (panic).
		socket.once('close', () => setTimeout(() => {
			if (closing || qemu.hasExited() || signal?.aborted) return;
			lost = new AgentLostError('the agent closed its channel while qemu runs', currentStep, watcher.tailText());
			client?.failAll(lost);
		}, 300));
		let ready: ReadyMessage;
		if (restore) {
			// The agent sent READY before the state was saved; PING is answered once the restored guest runs.
			const ping = client.request(encodePing, 'ping (restored)');
			const pong = await withDeadline(ping.answer.catch(error => channelFailure(error, 'boot')), bootTimeoutMs, () => new BootTimeoutError(`no answer to PING within ${bootTimeoutMs} ms after restoring the saved state`, 'boot', watcher.tailText(), waited('agent PONG')));
			if (pong.kind !== 'pong') throw new QemuStartError(`the restored agent answered ${pong.kind} to PING`, 'boot', watcher.tailText());
			ready = client.ready = restore.ready;
		} else {
			ready = await withDeadline(client.waitReady(), bootTimeoutMs, () => new BootTimeoutError(`no agent ready within ${bootTimeoutMs} ms`, 'boot', watcher.tailText(), waited('agent READY')));
		}
		const readyAt = performance.now();
		const bootMs = Math.round(readyAt - started);
		offInit();
		const agent = client;

		async function request<K extends AgentMessage['kind']>(build: (id: number) => Buffer, label: string, step: string, timeoutMs: number, kind: K, settleMs = 0): Promise<{message: Extract<AgentMessage, {kind: K}>; events: ConsoleEvent[]; lines: string[]}> {
			if (closing) throw new QemuExitedError('VM is closing', step, watcher.tailText());
			if (lost) throw new AgentLostError(`the agent's channel is closed: ${label}`, step, watcher.tailText());
			if (stuck) throw new AgentRequestError(`not sent: an earlier request is stuck in the guest kernel`, step, watcher.tailText(), label, undefined);
			currentStep = step;
			const events: ConsoleEvent[] = [];
			const lines: string[] = [];
			const offEvent = watcher.onEvent(e => events.push(e));
			const offLine = watcher.onLine(l => lines.push(l));
			const pending = agent.request(build, label);
			const sent = performance.now();
			try {
				const message = await withDeadline(pending.answer.catch(error => channelFailure(error, step)), timeoutMs, () => new RequestTimeoutError(`guest request timed out after ${timeoutMs} ms: ${label}`, step, watcher.tailText(), {waitingFor: label, waitedMs: Math.round(performance.now() - sent)}));
				// The console (UART → qemu stdout) can trail the agent's answer (virtio-serial).
				if (settleMs > 0) await new Promise(resolve => setTimeout(resolve, settleMs));
				if (message.kind === 'error') throw new AgentRequestError(`agent rejected request: ${message.message}`, step, watcher.tailText(), label, undefined);
				if (message.kind === 'stuck') {
					stuck = true;
					throw new GuestStuckError(step, watcher.tailText(), {...message, request: label});
				}
				if (message.kind !== kind) throw new AgentRequestError(`agent answered ${message.kind} to ${label}`, step, watcher.tailText(), label, undefined);
				return {message: message as Extract<AgentMessage, {kind: K}>, events, lines};
			} finally {
				pending.cancel();
				offEvent();
				offLine();
			}
		}

		const handle: VmHandle = {
			pid: qemu.pid,
			ready,
			bootMs,
			startPhases: restore
				? {prepareMs: Math.round(started - entered), qemuStartMs: Math.round(connectedAt - started), restoreMs: Math.round(readyAt - connectedAt)}
				: startPhases({entered, spawned: started, connected: connectedAt, init: initAt, ready: readyAt}),
			consoleLog,
			console: consoleChannel,
			async exec(argvIn, opts = {}) {
				const timeoutMs = opts.timeoutMs ?? 30_000;
				const step = opts.step ?? argvIn.join(' ');
				const {message, events, lines} = await request(id => encodeExec({id, argv: argvIn, timeoutMs, stdin: opts.stdin}), `exec ${JSON.stringify(argvIn)}`, step, timeoutMs === 0 ? Infinity : timeoutMs + 5000, 'exec-result', opts.settleMs);
				if (message.timedOut) throw new RequestTimeoutError(`guest command timed out after ${timeoutMs} ms: ${argvIn.join(' ')}`, step, watcher.tailText(), {waitingFor: `guest command ${argvIn.join(' ')}`, waitedMs: message.durationMs});
				return {argv: [...argvIn], exitCode: message.exitCode, signal: message.signal, stdout: message.stdout.toString(), stderr: message.stderr.toString(), durationMs: message.durationMs, console: events, consoleLines: lines};
			},
			async writeFile(path, content, mode = 0o644, opts = {}) {
				const timeoutMs = opts.timeoutMs ?? 10_000;
				const {message} = await request(id => encodeWriteFile({id, timeoutMs, path, mode, content}), `write ${path}`, `write ${path}`, timeoutMs + 5000, 'write-result');
				if (message.timedOut) throw new RequestTimeoutError(`guest write ${path} timed out after ${timeoutMs} ms`, `write ${path}`, watcher.tailText(), {waitingFor: `write ${path}`, waitedMs: timeoutMs});
				if (message.errno !== 0) throw new AgentRequestError(`guest write ${path} failed: ${message.message}`, `write ${path}`, watcher.tailText(), `write ${path}`, message.errno);
			},
			async devio(path, req, opts = {}) {
				const step = opts.step ?? `devio ${path}`;
				const timeoutMs = opts.timeoutMs ?? 120_000;
				const {message} = await request(id => encodeDevio({id, timeoutMs, path, request: req, maxResponseBytes: 16 * 1024 * 1024}), `devio ${path} ${req.length} bytes`, step, timeoutMs + 5000, 'devio-result');
				if (message.timedOut) throw new RequestTimeoutError(`guest device request timed out after ${timeoutMs} ms: ${path}`, step, watcher.tailText(), {waitingFor: `devio ${path}`, waitedMs: timeoutMs});
				return {errno: message.errno, response: message.response};
			},
			consoleTail: lines => watcher.tailText(lines),
			async saveState(file, opts = {}) {
				if (!options.monitor) throw new Error('saveState needs a VM started with monitor');
				const timeoutMs = opts.timeoutMs ?? 60_000;
				const step = `save state to ${file}`;
				currentStep = step;
				const partial = `${file}.partial`;
				const qmp = await withDeadline(connectQmp(qmpPath), timeoutMs, () => new RequestTimeoutError('no QMP connection', step, watcher.tailText(), {waitingFor: 'QMP', waitedMs: timeoutMs}));
				try {
					// The guest is not stopped first: a source stopped before migrating is recorded as such in the stream
					// (the global-state section) and the restored VM would stay paused. Idle (the agent waits in read), it
					// dirties few pages, so precopy ends after one pass and the final stop.
					// The default bandwidth cap (128 MiB/s in 7.2) would pace even a local file.
					await qmp.execute('migrate-set-parameters', {'max-bandwidth': 8 * 1024 ** 3});
					stopped = true;
					await qmp.execute('migrate', {uri: `exec:cat > ${shellQuote(partial)}`});
					const until = performance.now() + timeoutMs;
					for (;;) {
						const info = (await withDeadline(qmp.execute('query-migrate'), timeoutMs, () => new RequestTimeoutError('query-migrate got no answer', step, watcher.tailText(), {waitingFor: 'query-migrate', waitedMs: timeoutMs}))) as {status?: string; 'error-desc'?: string};
						if (info.status === 'completed') break;
						if (info.status === 'failed' || info.status === 'cancelled') throw new QemuExitedError(`saving the VM state failed: ${info['error-desc'] ?? info.status}`, step, watcher.tailText());
						if (performance.now() > until) throw new RequestTimeoutError(`saving the VM state took over ${timeoutMs} ms`, step, watcher.tailText(), {waitingFor: 'migration', waitedMs: timeoutMs});
						await new Promise(resolve => setTimeout(resolve, 10));
					}
					await rename(partial, file);
				} finally {
					qmp.close();
					await rm(partial, {force: true});
				}
			},
			close() {
				if (closed) {
					hardKill();
					return closed;
				}
				closing = true;
				closed = (async () => {
					const exited = (ms: number): Promise<boolean> => Promise.race([qemu.exited.then(() => true), new Promise<boolean>(r => setTimeout(() => r(false), ms))]);
					if (!qemu.hasExited()) {
						// A guest with a process stuck in its kernel (or an interrupted command) is not asked to power off.
						if (!stuck && !lost && !stopped && !signal?.aborted) {
							try {
								socket?.write(encodePoweroff(0));
							} catch {
								// channel gone: fall through to signals
							}
						}
						// Its state saved, the guest is stopped for good: SIGKILL, so that qemu adds no "terminating on
						// signal" line to the console text restored VMs start with.
						if (stopped) {
							qemu.kill('SIGKILL');
							await qemu.exited;
						} else if (stuck || lost || signal?.aborted || !(await exited(3000))) {
							qemu.kill('SIGTERM');
							if (!(await exited(2000))) {
								qemu.kill('SIGKILL');
								await qemu.exited;
							}
						}
					}
					await cleanup();
				})();
				return closed;
			},
		};
		return handle;
	} catch (error) {
		closing = true;
		qemu.kill('SIGKILL');
		await qemu.exited;
		await cleanup();
		throw error;
	}
}
