// Registry of live resources (VMs, detached process groups) reaped on SIGINT, SIGTERM, SIGHUP and exit.
import {InterruptedError} from './errors.ts';

type Reap = () => Promise<void> | void;
const live = new Set<Reap>();
// Process groups (make -j, qemu) spawned detached: killed whole, synchronously, if kplug exits with them alive.
const groups = new Set<number>();
let installed = false;
let stopping: keyof typeof signalExitCodes | undefined;
// The running command's AbortController (one per command) and its work, which may finish writing (the report of
// what did finish) before kplug exits.
const commands = new Set<{controller: AbortController; work: Promise<unknown> | undefined}>();

const signalExitCodes = {SIGINT: 130, SIGTERM: 143, SIGHUP: 129} as const;
// How long a command may take, once interrupted, to write what it has before kplug exits anyway.
const finishGraceMs = 15_000;

// Send a signal to a whole process group (its leader spawned detached); false when no member is left.
// Never the bare pid: once the group is empty that number may belong to someone else.
export function killGroup(pid: number, signal: NodeJS.Signals): boolean {
	if (pid <= 0) return false;
	try {
		process.kill(-pid, signal);
		return true;
	} catch {
		return false;
	}
}

// Install the signal and exit handlers (idempotent). Done before spawning: a signal that arrives between the
// spawn and the registration would otherwise end kplug with the group still running.
export function install(): void {
	if (installed) return;
	installed = true;
	for (const signal of Object.keys(signalExitCodes) as (keyof typeof signalExitCodes)[]) {
		process.on(signal, () => {
			// A second signal: no more waiting (the exit handler still kills every group).
			if (stopping) process.exit(signalExitCodes[stopping]);
			stopping = signal;
			for (const command of commands) command.controller.abort(new InterruptedError(`interrupted by ${signal}`));
			const finishing = [...commands].map(command => command.work);
			const grace = new Promise(resolve => setTimeout(resolve, finishGraceMs).unref());
			void reapAll()
				.then(() => Promise.race([Promise.allSettled(finishing), grace]))
				.finally(() => process.exit(signalExitCodes[signal]));
		});
	}
	// Last resort, whatever ended the process (process.exit, an uncaught error): only synchronous work runs here.
	process.on('exit', () => {
		for (const pid of groups) killGroup(pid, 'SIGKILL');
	});
}

// Track a resource; returns the function that untracks it.
export function track(reap: Reap): () => void {
	install();
	live.add(reap);
	return () => live.delete(reap);
}

// Track a detached process group so that it never outlives kplug; returns the function that untracks it.
export function trackGroup(pid: number): () => void {
	install();
	groups.add(pid);
	return () => groups.delete(pid);
}

// Reap everything still tracked.
export async function reapAll(): Promise<void> {
	const all = [...live];
	live.clear();
	await Promise.allSettled(all.map(async reap => reap()));
}

// How many resources are live (tests assert zero).
export function liveCount(): number {
	return live.size + groups.size;
}

// True once SIGINT/SIGTERM/SIGHUP arrived: nothing new (no VM) may start.
export function isStopping(): boolean {
	return stopping !== undefined;
}

// The exit code for the signal that interrupted kplug (130, 143, 129), undefined if none did.
export function interruptExitCode(): number | undefined {
	return stopping && signalExitCodes[stopping];
}

// One AbortController for a command: aborted (reason: an InterruptedError) on SIGINT, SIGTERM or SIGHUP. Hand
// `finishing` the command's work so that kplug, once interrupted, waits (bounded) for it to write what finished.
export function commandController(): {signal: AbortSignal; finishing(work: Promise<unknown>): void; done(): void} {
	install();
	const command = {controller: new AbortController(), work: undefined as Promise<unknown> | undefined};
	if (stopping) command.controller.abort(new InterruptedError(`interrupted by ${stopping}`));
	commands.add(command);
	return {
		signal: command.controller.signal,
		finishing(work) {
			command.work = work;
		},
		done: () => commands.delete(command),
	};
}
