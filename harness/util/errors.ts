// Base class for every error kplug reports: carries data, prints as one clear line.
export class KplugError extends Error {
	override name = 'KplugError';
	// Process exit code the CLI uses when this error ends a command.
	exitCode = 1;
}

// Bad input from the user (flags, fragments, scenario or vector files).
export class UsageError extends KplugError {
	override name = 'UsageError';
	override exitCode = 2;
}

// A host tool or package is missing and we may not install it (not root).
export class SetupError extends KplugError {
	override name = 'SetupError';
	override exitCode = 2;
	constructor(message: string, readonly installLine?: string) {
		super(message);
	}
}

// The command was interrupted (SIGINT, SIGTERM, SIGHUP: its AbortSignal fired); what it stopped did not fail.
export class InterruptedError extends KplugError {
	override name = 'InterruptedError';
	override exitCode = 130;
}

// The error an aborted signal stands for: its reason when that is an InterruptedError, else a new one.
export function interruption(signal: AbortSignal, what: string): InterruptedError {
	return signal.reason instanceof InterruptedError ? signal.reason : new InterruptedError(`${what}: interrupted`);
}

export interface ToolFailureData {
	tool: string;
	argv: readonly string[];
	exitCode: number | undefined;
	signal: string | undefined;
	timedOut: boolean;
	durationMs: number;
	outputTail: string;
}

// An external tool ran and failed; the message ends with the tail of its output.
export class ToolFailure extends KplugError {
	override name = 'ToolFailure';
	constructor(
		message: string,
		readonly data: ToolFailureData,
	) {
		super(data.outputTail ? `${message}\n${data.outputTail}` : message);
	}
}

// Last `n` non-empty lines of a text, for error messages.
export function tailLines(text: string, n = 20): string {
	const lines = text.split('\n').filter(line => line.trim() !== '');
	return lines.slice(-n).join('\n');
}
