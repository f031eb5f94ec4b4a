// One VM: start qemu, wait for the agent, run requests, close (poweroff → SIGTERM → SIGKILL).
import {createWriteStream} from 'node:fs';
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {createServer, type Socket} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {spawnLong} from '../util/exec.ts';
import {isStopping, track} from '../util/reaper.ts';
import {AgentClient} from './agent-client.ts';
import {ConsoleWatcher, type ConsoleEvent} from './console-watch.ts';
import {AgentRequestError, BootTimeoutError, KernelCrashError, QemuExitedError, QemuStartError, RequestTimeoutError} from './errors.ts';
import {encodeDevio, encodeExec, encodePoweroff, encodeWriteFile, type AgentMessage} from './protocol.ts';
import {qemuArgs} from './qemu-args.ts';

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
	ready: Extract<AgentMessage, {kind: 'ready'}>;
	bootMs: number;
	consoleLog: string;
	// settleMs: wait that long after the answer for console lines the step printed (module loads).
	exec(argv: readonly string[], options?: {timeoutMs?: number; stdin?: string | Uint8Array; step?: string; settleMs?: number}): Promise<ExecResult>;
	writeFile(path: string, content: string | Uint8Array, mode?: number): Promise<void>;
	devio(path: string, request: Uint8Array, options?: {timeoutMs?: number; step?: string}): Promise<{errno: number; response: Buffer}>;
	consoleTail(lines?: number): string;
	close(): Promise<void>;
}

// Start a VM and wait until its agent says ready (or fail with a typed error).
export async function startVm(options: VmOptions): Promise<VmHandle> {
	if (isStopping()) throw new QemuStartError('not starting a VM: kplug is being interrupted', 'boot', '');
	await mkdir(options.logDir, {recursive: true});
	const consoleLog = join(options.logDir, 'console.log');
	const agentLog = join(options.logDir, 'agent.log');
	const sockDir = await mkdtemp(join(tmpdir(), 'kplug-'));
	const sockPath = join(sockDir, 'agent.sock');
	const server = createServer();
	await new Promise<void>((resolve, reject) => server.once('error', reject).listen(sockPath, resolve));
	const connected = new Promise<Socket>(resolve => server.once('connection', resolve));

	const argv = qemuArgs({kernel: options.kernel, initrd: options.initrd, qemuCpu: options.qemuCpu, memoryMiB: options.memoryMiB ?? 256, agentSocket: sockPath, append: options.append ?? []});
	await writeFile(join(options.logDir, 'qemu-argv.json'), JSON.stringify([options.qemuBinary ?? 'qemu-system-arm', ...argv], null, 1));
	const started = performance.now();
	const qemu = spawnLong(options.qemuBinary ?? 'qemu-system-arm', argv);
	const consoleFile = createWriteStream(consoleLog);
	// A full or vanished log folder must not crash kplug (an unhandled 'error' event) nor stop the VM: the watcher
	// keeps the console; the failure is noted in agent.log.
	let consoleError: Error | undefined;
	consoleFile.on('error', error => {
		consoleError ??= error;
	});
	const watcher = new ConsoleWatcher();
	qemu.onOutput(chunk => {
		if (!consoleError) consoleFile.write(chunk);
		watcher.push(chunk);
	});

	let client: AgentClient | undefined;
	let socket: Socket | undefined;
	let closing = false;
	let closed: Promise<void> | undefined;
	// On SIGINT/SIGTERM: kill and wait (bounded) until qemu is really gone before kplug exits.
	const untrack = track(async () => {
		hardKill();
		await Promise.race([qemu.exited, new Promise(resolve => setTimeout(resolve, 3000))]);
	});

	function hardKill(): void {
		qemu.kill('SIGKILL');
	}

	async function cleanup(): Promise<void> {
		untrack();
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

	// A promise that rejects when qemu exits or the kernel crashes (panic), for racing against waits.
	const fatal = new Promise<never>((_, reject) => {
		void qemu.exited.then(({exitCode, signal}) => {
			if (closing) return;
			watcher.flush();
			const panic = watcher.events.find(e => e.kind === 'panic' || e.kind === 'oops');
			const err = panic
				? new KernelCrashError(`kernel ${panic.kind}: ${panic.line.trim()}`, currentStep, watcher.tailText(), panic.kind)
				: client?.ready
					? new QemuExitedError(`qemu exited unexpectedly (exit ${exitCode ?? signal})`, currentStep, watcher.tailText(), {qemuExitCode: exitCode, qemuSignal: signal})
					: new QemuStartError(`qemu exited during start (exit ${exitCode ?? signal})`, currentStep, watcher.tailText(), {qemuExitCode: exitCode, qemuSignal: signal});
			client?.failAll(err);
			reject(err);
		});
	});
	fatal.catch(() => undefined);
	let currentStep = 'boot';

	async function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
		let timer: NodeJS.Timeout | undefined;
		const timeout = new Promise<never>((_, reject) => {
			timer = setTimeout(() => reject(onTimeout()), ms);
		});
		try {
			return await Promise.race([work, timeout, fatal]);
		} finally {
			clearTimeout(timer);
		}
	}

	try {
		const bootTimeoutMs = options.bootTimeoutMs ?? 60_000;
		const waited = (waitingFor: string): {waitingFor: string; waitedMs: number} => ({waitingFor, waitedMs: Math.round(performance.now() - started)});
		socket = await withDeadline(connected, bootTimeoutMs, () => new BootTimeoutError('qemu never connected to the agent socket', 'boot', watcher.tailText(), waited('agent socket connection')));
		client = new AgentClient(socket);
		const ready = await withDeadline(client.waitReady(), bootTimeoutMs, () => new BootTimeoutError(`no agent ready within ${bootTimeoutMs} ms`, 'boot', watcher.tailText(), waited('agent READY')));
		const bootMs = Math.round(performance.now() - started);
		const agent = client;

		async function request<K extends AgentMessage['kind']>(build: (id: number) => Buffer, label: string, step: string, timeoutMs: number, kind: K, settleMs = 0): Promise<{message: Extract<AgentMessage, {kind: K}>; events: ConsoleEvent[]; lines: string[]}> {
			if (closing) throw new QemuExitedError('VM is closing', step, watcher.tailText());
			currentStep = step;
			const events: ConsoleEvent[] = [];
			const lines: string[] = [];
			const offEvent = watcher.onEvent(e => events.push(e));
			const offLine = watcher.onLine(l => lines.push(l));
			const pending = agent.request(build, label);
			const sent = performance.now();
			try {
				const message = await withDeadline(pending.answer, timeoutMs, () => new RequestTimeoutError(`guest request timed out after ${timeoutMs} ms: ${label}`, step, watcher.tailText(), {waitingFor: label, waitedMs: Math.round(performance.now() - sent)}));
				// The console (UART → qemu stdout) can trail the agent's answer (virtio-serial).
				if (settleMs > 0) await new Promise(resolve => setTimeout(resolve, settleMs));
				if (message.kind === 'error') throw new AgentRequestError(`agent rejected request: ${message.message}`, step, watcher.tailText(), label, undefined);
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
			consoleLog,
			async exec(argvIn, opts = {}) {
				const timeoutMs = opts.timeoutMs ?? 30_000;
				const step = opts.step ?? argvIn.join(' ');
				const {message, events, lines} = await request(id => encodeExec({id, argv: argvIn, timeoutMs, stdin: opts.stdin}), `exec ${JSON.stringify(argvIn)}`, step, timeoutMs + 5000, 'exec-result', opts.settleMs);
				if (message.timedOut) throw new RequestTimeoutError(`guest command timed out after ${timeoutMs} ms: ${argvIn.join(' ')}`, step, watcher.tailText(), {waitingFor: `guest command ${argvIn.join(' ')}`, waitedMs: message.durationMs});
				return {argv: [...argvIn], exitCode: message.exitCode, signal: message.signal, stdout: message.stdout.toString(), stderr: message.stderr.toString(), durationMs: message.durationMs, console: events, consoleLines: lines};
			},
			async writeFile(path, content, mode = 0o644) {
				const {message} = await request(id => encodeWriteFile({id, path, mode, content}), `write ${path}`, `write ${path}`, 10_000, 'write-result');
				if (message.errno !== 0) throw new AgentRequestError(`guest write ${path} failed: ${message.message}`, `write ${path}`, watcher.tailText(), `write ${path}`, message.errno);
			},
			async devio(path, req, opts = {}) {
				const step = opts.step ?? `devio ${path}`;
				const {message} = await request(id => encodeDevio({id, path, request: req, maxResponseBytes: 16 * 1024 * 1024}), `devio ${path} ${req.length} bytes`, step, opts.timeoutMs ?? 120_000, 'devio-result');
				return {errno: message.errno, response: message.response};
			},
			consoleTail: lines => watcher.tailText(lines),
			close() {
				if (closed) {
					hardKill();
					return closed;
				}
				closing = true;
				closed = (async () => {
					const exited = (ms: number): Promise<boolean> => Promise.race([qemu.exited.then(() => true), new Promise<boolean>(r => setTimeout(() => r(false), ms))]);
					if (!qemu.hasExited()) {
						try {
							socket?.write(encodePoweroff(0));
						} catch {
							// channel gone: fall through to signals
						}
						if (!(await exited(3000))) {
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
