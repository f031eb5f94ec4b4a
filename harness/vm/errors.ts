// Typed VM failures: each carries the step and the console tail, and its own data as fields (not only in the text).
import {KplugError} from '../util/errors.ts';
import type {ConsoleEventKind} from './console-watch.ts';

export abstract class VmError extends KplugError {
	// Exit code `kplug boot` uses for this failure class.
	abstract readonly failureClass: keyof typeof vmExitCodes;
	constructor(
		message: string,
		readonly step: string,
		readonly consoleTail: string,
	) {
		super(consoleTail ? `${message} [step: ${step}]\n--- console tail ---\n${consoleTail}` : `${message} [step: ${step}]`);
	}
}

// How qemu ended (undefined while it still runs, e.g. when kplug refused to start it). Not `exitCode`: that is
// the CLI's exit code for the failure class.
export interface QemuEnd {
	qemuExitCode: number | undefined;
	qemuSignal: string | undefined;
}

abstract class QemuEndedError extends VmError {
	readonly qemuExitCode: number | undefined;
	readonly qemuSignal: string | undefined;
	constructor(message: string, step: string, consoleTail: string, end: QemuEnd = {qemuExitCode: undefined, qemuSignal: undefined}) {
		super(message, step, consoleTail);
		this.qemuExitCode = end.qemuExitCode;
		this.qemuSignal = end.qemuSignal;
	}
}

export class QemuStartError extends QemuEndedError {
	override name = 'QemuStartError';
	readonly failureClass = 'qemu-start';
	override exitCode = 90;
}

// What was awaited and for how long.
export interface Waited {
	waitingFor: string;
	waitedMs: number;
}

abstract class VmTimeoutError extends VmError {
	readonly waitingFor: string;
	readonly waitedMs: number;
	constructor(message: string, step: string, consoleTail: string, waited: Waited) {
		super(message, step, consoleTail);
		this.waitingFor = waited.waitingFor;
		this.waitedMs = waited.waitedMs;
	}
}

export class BootTimeoutError extends VmTimeoutError {
	override name = 'BootTimeoutError';
	readonly failureClass = 'boot-timeout';
	override exitCode = 91;
}

export class RequestTimeoutError extends VmTimeoutError {
	override name = 'RequestTimeoutError';
	readonly failureClass = 'request-timeout';
	override exitCode = 92;
}

export class KernelCrashError extends VmError {
	override name = 'KernelCrashError';
	readonly failureClass = 'kernel-crash';
	override exitCode = 93;
	constructor(
		message: string,
		step: string,
		consoleTail: string,
		readonly kind: ConsoleEventKind,
	) {
		super(message, step, consoleTail);
	}
}

export class QemuExitedError extends QemuEndedError {
	override name = 'QemuExitedError';
	readonly failureClass = 'qemu-exited';
	override exitCode = 94;
}

// The agent answered but refused or failed a request while qemu runs (a rejected frame, a failed guest write).
export class AgentRequestError extends VmError {
	override name = 'AgentRequestError';
	readonly failureClass = 'agent-request';
	override exitCode = 95;
	constructor(
		message: string,
		step: string,
		consoleTail: string,
		// The request as kplug labels it (e.g. `write /etc/modprobe.d/x.conf`).
		readonly request: string,
		// The guest's errno when the agent reported one (a write), undefined for a rejected frame.
		readonly errno: number | undefined,
	) {
		super(message, step, consoleTail);
	}
}

// The agent's channel closed while qemu runs (the agent died or dropped the connection); in a real guest the agent
// is PID 1, so its death is a kernel panic instead.
export class AgentLostError extends VmError {
	override name = 'AgentLostError';
	readonly failureClass = 'agent-lost';
	override exitCode = 97;
}

// What the agent read from /proc/<pid>/ about a child that survived SIGKILL.
export interface StuckChild {
	// The request as kplug labels it (e.g. `exec ["insmod","/tmp/x.ko"]`).
	request: string;
	pid: number;
	comm: string;
	// The state letter of /proc/<pid>/stat (D: uninterruptible sleep).
	state: string;
	wchan: string;
	waitedMs: number;
}

const stateNames: Record<string, string> = {R: 'running', S: 'sleeping', D: 'uninterruptible sleep', Z: 'zombie', T: 'stopped', t: 'tracing stop', X: 'dead', I: 'idle'};

// A guest request's process survived SIGKILL at its deadline: it is stuck in the kernel (e.g. a module init that
// never returns). The VM cannot be trusted after this: kplug kills it.
export class GuestStuckError extends VmError {
	override name = 'GuestStuckError';
	readonly failureClass = 'guest-stuck';
	override exitCode = 96;
	readonly request: string;
	readonly pid: number;
	readonly comm: string;
	readonly state: string;
	readonly wchan: string;
	readonly waitedMs: number;
	constructor(step: string, consoleTail: string, stuck: StuckChild) {
		const state = `${stuck.state} state${stateNames[stuck.state] ? ` (${stateNames[stuck.state]})` : ''}`;
		super(`stuck in the kernel: ${state}, wchan ${stuck.wchan || '?'}: ${stuck.comm || '?'} (pid ${stuck.pid}) survived SIGKILL after ${stuck.waitedMs} ms: ${stuck.request}`, step, consoleTail);
		this.request = stuck.request;
		this.pid = stuck.pid;
		this.comm = stuck.comm;
		this.state = stuck.state;
		this.wchan = stuck.wchan;
		this.waitedMs = stuck.waitedMs;
	}
}

// Exit codes of `kplug boot` per failure class (documented in --help).
export const vmExitCodes = {'qemu-start': 90, 'boot-timeout': 91, 'request-timeout': 92, 'kernel-crash': 93, 'qemu-exited': 94, 'agent-request': 95, 'guest-stuck': 96, 'agent-lost': 97} as const;
