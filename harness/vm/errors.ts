// Typed VM failures: each carries the step and the console tail.
import {KplugError} from '../util/errors.ts';
import type {ConsoleEventKind} from './console-watch.ts';

export abstract class VmError extends KplugError {
	// Exit code `kplug boot` uses for this failure class.
	abstract readonly failureClass: 'qemu-start' | 'boot-timeout' | 'request-timeout' | 'kernel-crash' | 'qemu-exited';
	constructor(
		message: string,
		readonly step: string,
		readonly consoleTail: string,
	) {
		super(consoleTail ? `${message} [step: ${step}]\n--- console tail ---\n${consoleTail}` : `${message} [step: ${step}]`);
	}
}

export class QemuStartError extends VmError {
	override name = 'QemuStartError';
	readonly failureClass = 'qemu-start';
	override exitCode = 90;
}

export class BootTimeoutError extends VmError {
	override name = 'BootTimeoutError';
	readonly failureClass = 'boot-timeout';
	override exitCode = 91;
}

export class RequestTimeoutError extends VmError {
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

export class QemuExitedError extends VmError {
	override name = 'QemuExitedError';
	readonly failureClass = 'qemu-exited';
	override exitCode = 94;
}

// Exit codes of `kplug boot` per failure class (documented in --help).
export const vmExitCodes = {'qemu-start': 90, 'boot-timeout': 91, 'request-timeout': 92, 'kernel-crash': 93, 'qemu-exited': 94} as const;
