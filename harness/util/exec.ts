// The one spawn path: every external tool runs through here (execa underneath).
import {execa, type Options} from 'execa';
import {ToolFailure, tailLines} from './errors.ts';

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
	// Kill the whole process group (make -j, qemu).
	detached?: boolean;
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
	const execaOptions: Options = {
		cwd: options.cwd,
		env: options.env,
		extendEnv: true,
		timeout: options.timeoutMs,
		cancelSignal: options.signal,
		forceKillAfterDelay: 3000,
		cleanup: true,
		reject: false,
		detached: options.detached ?? false,
		stdin: options.input === undefined ? 'ignore' : 'pipe',
		input: options.input,
		stripFinalNewline: false,
		...(options.logFile
			? {stdout: {file: options.logFile, append: true}, stderr: {file: options.logFile, append: true}}
			: {}),
	};
	const result = await execa(tool, [...argv], execaOptions);
	const durationMs = Math.round(performance.now() - started);
	const stdout = typeof result.stdout === 'string' ? result.stdout : '';
	const stderr = typeof result.stderr === 'string' ? result.stderr : '';
	const exitCode = result.exitCode ?? -1;
	const ok = !result.failed || (result.exitCode !== undefined && (options.okExitCodes ?? []).includes(result.exitCode) && !result.timedOut && !result.isCanceled);
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
		const why = result.timedOut
			? `timed out after ${options.timeoutMs} ms`
			: result.isCanceled
				? 'was cancelled'
				: result.signal
					? `was killed by ${result.signal}`
					: `exited with ${result.exitCode}`;
		throw new ToolFailure(`${tool} ${why}`, {
			tool,
			argv,
			exitCode: result.exitCode,
			signal: result.signal,
			timedOut: result.timedOut,
			durationMs,
			outputTail,
		});
	}
	return {stdout, stderr, exitCode, durationMs};
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
	onOutput(listener: (chunk: Buffer) => void): void;
}

// Start a long-lived tool (qemu) in its own process group, output streamed to listeners.
export function spawnLong(tool: string, argv: readonly string[], options: {cwd?: string} = {}): LongProcess {
	const child = execa(tool, [...argv], {
		cwd: options.cwd,
		reject: false,
		detached: true,
		cleanup: true,
		buffer: false,
		stdin: 'ignore',
		stdout: 'pipe',
		stderr: 'pipe',
	});
	const listeners: ((chunk: Buffer) => void)[] = [];
	const emit = (chunk: Buffer): void => listeners.forEach(l => l(chunk));
	child.stdout?.on('data', emit);
	child.stderr?.on('data', emit);
	let done = false;
	const exited = child.then(
		result => ({exitCode: result.exitCode, signal: result.signal}),
		() => ({exitCode: undefined, signal: undefined}),
	).finally(() => {
		done = true;
	});
	const pid = child.pid ?? -1;
	return {
		pid,
		exited,
		hasExited: () => done,
		kill(signal) {
			if (done || pid <= 0) return;
			try {
				process.kill(-pid, signal);
			} catch {
				try {
					process.kill(pid, signal);
				} catch {
					// already gone
				}
			}
		},
		onOutput(listener) {
			listeners.push(listener);
		},
	};
}
