// Classify kernel console lines: panic, Oops, BUG, WARNING, call traces.
import {readFile} from 'node:fs/promises';

export type ConsoleEventKind = 'panic' | 'oops' | 'bug' | 'warn' | 'call-trace';

export interface ConsoleEvent {
	kind: ConsoleEventKind;
	line: string;
}

const patterns: readonly [ConsoleEventKind, RegExp][] = [
	['panic', /Kernel panic - not syncing/],
	['oops', /Internal error: Oops|Unable to handle kernel (NULL pointer dereference|paging request)/],
	['bug', /kernel BUG at |BUG: (unable|sleeping|scheduling|spinlock|soft lockup|KASAN)/],
	['warn', /WARNING: CPU: \d+ PID: \d+ at /],
	['call-trace', /^(?:\[\s*\d+\.\d+\])?\s*(Call trace:|Backtrace:|\S+(?: \[\S+\])? from \S+\+0x[0-9a-f]+\/0x[0-9a-f]+)/],
];

// The event a console line stands for, if any.
export function classifyLine(line: string): ConsoleEvent | undefined {
	for (const [kind, pattern] of patterns) if (pattern.test(line)) return {kind, line: line.trimEnd()};
	return undefined;
}

// The events in a console log file, first ones first ("kind: line"; at most `limit`); none when it cannot be read.
export async function consoleEventsIn(file: string, limit = 12): Promise<string[]> {
	const text = await readFile(file, 'utf8').catch(() => '');
	const events: string[] = [];
	for (const line of text.split('\n')) {
		const event = classifyLine(line);
		if (event) events.push(`${event.kind}: ${event.line}`);
		if (events.length >= limit) break;
	}
	return events;
}

function removeFrom<T>(list: T[], item: T): void {
	const index = list.indexOf(item);
	if (index >= 0) list.splice(index, 1);
}

// Splits a byte stream into lines, keeps a tail, and reports events.
export class ConsoleWatcher {
	private partial = '';
	private readonly tail: string[] = [];
	readonly events: ConsoleEvent[] = [];
	private readonly listeners: ((event: ConsoleEvent) => void)[] = [];
	private readonly lineListeners: ((line: string) => void)[] = [];

	constructor(private readonly tailSize = 60) {}

	push(chunk: Buffer | string): void {
		const text = this.partial + chunk.toString().replace(/\r/g, '');
		const lines = text.split('\n');
		this.partial = lines.pop() ?? '';
		for (const line of lines) this.handle(line);
	}

	flush(): void {
		if (this.partial) this.handle(this.partial);
		this.partial = '';
	}

	private handle(line: string): void {
		this.tail.push(line);
		if (this.tail.length > this.tailSize) this.tail.shift();
		for (const l of this.lineListeners) l(line);
		const event = classifyLine(line);
		if (!event) return;
		this.events.push(event);
		for (const l of this.listeners) l(event);
	}

	onEvent(listener: (event: ConsoleEvent) => void): () => void {
		this.listeners.push(listener);
		return () => removeFrom(this.listeners, listener);
	}

	onLine(listener: (line: string) => void): () => void {
		this.lineListeners.push(listener);
		return () => removeFrom(this.lineListeners, listener);
	}

	tailText(lines = 25): string {
		return [...this.tail, ...(this.partial ? [this.partial] : [])].slice(-lines).join('\n');
	}
}
