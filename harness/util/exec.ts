// The one spawn path: every external tool runs through here (execa underneath).
import {execa, type Options} from 'execa';
import {ToolFailure, tailLines} from './errors.ts';
import {install as installReaper, killGroup, trackGroup} from './reaper.ts';

export interface RunOptions {
	cwd?: string;
	env?: Record<string, string | undefined>;
	timeoutMs?: number;
	signal?: AbortSignal;
	input?: string | Uint8Array;
	// Append stdout+stderr to this file instead of keeping it in memory.
	logFile?: string;
	// Lines of output to keep in a failure message.
	tailLines?: number;
	// Exit codes that are not failures (e.g. grep's 1).
	okExitCodes?: readonly number[];
	// Kill the whole process group (make -j, qemu): on timeout, abort and kplug's exit, and after the tool exits.
	detached?: boolean;
	// SIGTERM first, SIGKILL this long after (default 3 s).
	forceKillAfterMs?: number;
}

export interface RunResult {
	stdout: string;
	stderr: string;
	exitCode: number;
	durationMs: number;
}

// Run a tool with an argv array (never a shell string) and fail with its output tail.
export async function run(tool: string, argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
	const started = performance.now();
	const detached = options.detached ?? false;
	const forceKillAfterMs = options.forceKillAfterMs ?? 3000;
	const execaOptions: Options = {
		cwd: options.cwd,
		env: options.env,
		extendEnv: true,
		// execa signals only the pid; a detached group (make's cc1/ld) is stopped by stopGroup below instead.
		...(detached ? {} : {timeout: options.timeoutMs, cancelSignal: options.signal}),
		forceKillAfterDelay: forceKillAfterMs,
		cleanup: true,
		reject: false,
		detached,
		stdin: options.input === undefined ? 'ignore' : 'pipe',
		input: options.input,
		stripFinalNewline: false,
		...(options.logFile
			? {stdout: {file: options.logFile, append: true}, stderr: {file: options.logFile, append: true}}
			: {}),
	};
	if (detached) installReaper();
	const child = execa(tool, [...argv], execaOptions);
	const group = detached && child.pid ? stopGroupOn(child.pid, options, forceKillAfterMs) : undefined;
	// At the leader's exit, not when its output closes: a left-over child holding the pipe would keep that open.
	if (group) child.once('exit', () => group.done());
	let result;
	try {
		result = await child;
	} finally {
		group?.done();
	}
	const timedOut = result.timedOut || group?.reason() === 'timeout';
	const isCanceled = result.isCanceled || group?.reason() === 'cancel';
	const durationMs = Math.round(performance.now() - started);
	const stdout = typeof result.stdout === 'string' ? result.stdout : '';
	const stderr = typeof result.stderr === 'string' ? result.stderr : '';
	const exitCode = result.exitCode ?? -1;
	const ok = !result.failed || (result.exitCode !== undefined && (options.okExitCodes ?? []).includes(result.exitCode) && !timedOut && !isCanceled);
	if (!ok) {
		let outputTail = tailLines(`${stdout}\n${stderr}`, options.tailLines ?? 20);
		if (options.logFile) {
			const {readFile} = await import('node:fs/promises');
			outputTail = tailLines(await readFile(options.logFile, 'utf8').catch(() => ''), options.tailLines ?? 20);
		}
		if ((result as {code?: string}).code === 'ENOENT' || /ENOENT/.test(result.message ?? '') && result.exitCode === undefined) {
			throw new ToolFailure(`${tool}: not found on PATH (run: npm run kplug -- setup)`, {
				tool, argv, exitCode: undefined, signal: undefined, timedOut: false, durationMs, outputTail: '',
			});
		}
		const why = timedOut
			? `timed out after ${options.timeoutMs} ms`
			: isCanceled
				? 'was cancelled'
				: result.signal
					? `was killed by ${result.signal}`
					: `exited with ${result.exitCode}`;
		throw new ToolFailure(`${tool} ${why}`, {
			tool,
			argv,
			exitCode: result.exitCode,
			signal: result.signal,
			timedOut,
			durationMs,
			outputTail,
		});
	}
	return {stdout, stderr, exitCode, durationMs};
}

// Stop a detached process group on timeout or abort (SIGTERM, then SIGKILL), and kill what is left of it once
// the leader has exited (make's children do not die with make). Tracked so that kplug's exit kills it too.
function stopGroupOn(pid: number, options: RunOptions, forceKillAfterMs: number): {reason(): 'timeout' | 'cancel' | undefined; done(): void} {
	const untrack = trackGroup(pid);
	let reason: 'timeout' | 'cancel' | undefined;
	let force: NodeJS.Timeout | undefined;
	const stop = (why: 'timeout' | 'cancel'): void => {
		if (reason) return;
		reason = why;
		killGroup(pid, 'SIGTERM');
		force = setTimeout(() => killGroup(pid, 'SIGKILL'), forceKillAfterMs);
	};
	const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => stop('timeout'), options.timeoutMs);
	const onAbort = (): void => stop('cancel');
	if (options.signal?.aborted) onAbort();
	else options.signal?.addEventListener('abort', onAbort, {once: true});
	return {
		reason: () => reason,
		done() {
			clearTimeout(timer);
			clearTimeout(force);
			options.signal?.removeEventListener('abort', onAbort);
			killGroup(pid, 'SIGKILL');
			untrack();
		},
	};
}

// Whether a tool can be found on PATH.
export async function haveTool(tool: string): Promise<boolean> {
	const result = await execa('sh', ['-c', 'command -v "$1"', 'sh', tool], {reject: false});
	return result.exitCode === 0;
}

export interface LongProcess {
	pid: number;
	// Resolves when the process has exited (never rejects).
	exited: Promise<{exitCode: number | undefined; signal: string | undefined}>;
	hasExited(): boolean;
	// Signal the whole process group.
	kill(signal: NodeJS.Signals): void;
	// Output of both streams, in arrival order, with the stream it came from.
	onOutput(listener: (chunk: Buffer, from: 'stdout' | 'stderr') => void): void;
	// The process's stdin, when spawned with {stdin: 'pipe'} (qemu's serial console for kplug shell).
	stdin: NodeJS.WritableStream | undefined;
}

// Start a long-lived tool (qemu) in its own process group, output streamed to listeners.
export function spawnLong(tool: string, argv: readonly string[], options: {cwd?: string; stdin?: 'ignore' | 'pipe'} = {}): LongProcess {
	installReaper();
	const child = execa(tool, [...argv], {
		cwd: options.cwd,
		reject: false,
		detached: true,
		cleanup: true,
		buffer: false,
		stdin: options.stdin ?? 'ignore',
		stdout: 'pipe',
		stderr: 'pipe',
	});
	const listeners: ((chunk: Buffer, from: 'stdout' | 'stderr') => void)[] = [];
	child.stdout?.on('data', (chunk: Buffer) => listeners.forEach(l => l(chunk, 'stdout')));
	child.stderr?.on('data', (chunk: Buffer) => listeners.forEach(l => l(chunk, 'stderr')));
	// A console nobody reads any more (qemu gone) must not end kplug with an EPIPE.
	child.stdin?.on('error', () => undefined);
	let done = false;
	const exited = child.then(
		result => ({exitCode: result.exitCode, signal: result.signal}),
		() => ({exitCode: undefined, signal: undefined}),
	).finally(() => {
		done = true;
	});
	const pid = child.pid ?? -1;
	const untrack = pid > 0 ? trackGroup(pid) : () => false;
	// Whatever the leader left in its group goes with it (at its exit: a left-over child would hold the pipes open).
	child.once('exit', () => {
		killGroup(pid, 'SIGKILL');
		untrack();
	});
	return {
		pid,
		exited,
		hasExited: () => done,
		kill(signal) {
			if (!done) killGroup(pid, signal);
		},
		onOutput(listener) {
			listeners.push(listener);
		},
		stdin: child.stdin ?? undefined,
	};
}
