// Guests restored from a snapshot: boots that share a boot configuration (kernel, profile, design, image, CPU,
// command line, memory) start from one VM state saved once its agent was ready, instead of booting cold.
//
// Snapshots live per run in a temporary folder (a migration stream of ~33 MB per configuration, read-only and shared
// by every VM restored from it); a configuration's file is removed when its last planned boot is done, the folder
// when the run ends. Per run, not in the cache: a state only fits the exact qemu binary and machine that saved it,
// and a run pays one extra boot per shared configuration for that certainty.
import {defaultUserland} from '../setup/userlands.ts';
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {BuildContext} from '../build/context.ts';
import {defaultKernel} from '../build/kernels.ts';
import {sha256} from '../util/hash.ts';
import {KplugError} from '../util/errors.ts';
import {track} from '../util/reaper.ts';
import {classifyLine, type ConsoleEvent} from '../vm/console-watch.ts';
import {startVm, type RestorePoint, type VmHandle, type VmOptions} from '../vm/vm.ts';

// What a boot depends on, as a GuestSpec names it (the kernel and image are built from these).
export interface BootConfig {
	kernel?: string;
	userland?: string;
	profile: string;
	design?: string;
	cpu: string;
	withArch: boolean;
	append?: readonly string[];
	memoryMiB?: number;
}

// One key per boot configuration: two specs with the same key boot the same machine to the same state.
export function bootConfigKey(spec: BootConfig): string {
	return JSON.stringify([spec.kernel ?? defaultKernel, spec.profile, spec.design ?? '(bare)', spec.cpu, spec.withArch, spec.append ?? [], spec.memoryMiB ?? 256, ...(spec.userland && spec.userland !== defaultUserland ? [spec.userland] : [])]);
}

// What every boot of a configuration does once the agent is ready, before the VM is handed over (the kernel's preload
// modules, a cell's tracing set-up): done once before the state is saved, its answer kept with the state. The answer
// must be plain data; a restored VM gets the snapshot's.
export type GuestPreparation = (vm: VmHandle) => Promise<unknown>;

// An error's first line (its message may carry a console tail after it).
const firstLine = (error: unknown): string => (error instanceof Error ? error.message.split('\n')[0]! : String(error));

// A saved state whose first restore showed a kernel problem (subject to one more try, then cold boots).
export class BadStateError extends KplugError {
	override name = 'BadStateError';
}

// Boot a VM to agent-ready, prepare it, save its state into dir, check it, and return what a restored VM needs.
export async function makeRestorePoint(vmOptions: Omit<VmOptions, 'logDir' | 'monitor' | 'restore'>, dir: string, prepare?: GuestPreparation): Promise<RestorePoint> {
	const logDir = join(dir, 'boot');
	const vm = await startVm({...vmOptions, logDir, monitor: true});
	const stateFile = join(dir, 'state.bin');
	let prepared: unknown;
	try {
		if (prepare) prepared = await prepare(vm);
		await vm.saveState(stateFile);
	} finally {
		await vm.close();
	}
	// After close() the log holds everything qemu printed before it was stopped.
	const point: RestorePoint = {stateFile, ready: vm.ready, consoleText: await readFile(join(logDir, 'console.log'), 'utf8'), ...(prepare ? {prepared} : {})};
	await checkRestorePoint(vmOptions, point, join(dir, 'check'));
	return point;
}

// Restore the state once and let the guest answer a request: a state can be bad in a way only a restore shows. Seen
// under QEMU 7.2 TCG (2026-12-01, about one state in 25 while the host was busy): "BUG: scheduling while atomic:
// swapper/0/0/0x00010000" from the idle task, or an Oops in hrtimer_interrupt, in every guest restored from one state
// and never in the boot that saved it, so every cell of that configuration reported a kernel problem it did not have.
export async function checkRestorePoint(vmOptions: Omit<VmOptions, 'logDir' | 'monitor' | 'restore'>, point: RestorePoint, logDir: string): Promise<void> {
	let vm: VmHandle;
	try {
		vm = await startVm({...vmOptions, logDir, restore: point});
	} catch (error) {
		// Stopped (an interrupt, or the pool stopping its tasks): that says nothing of the state.
		if (vmOptions.signal?.aborted) throw error;
		throw new BadStateError(`its first restore failed: ${firstLine(error)}`);
	}
	try {
		// The settle lets the kernel print what it does once the restored CPUs go idle (the BUG above came within ms).
		await vm.exec(['true'], {step: 'check the restored state', settleMs: 300});
	} catch (error) {
		if (vmOptions.signal?.aborted) throw error;
		throw new BadStateError(`its first restore failed: ${firstLine(error)}`);
	} finally {
		await vm.close();
	}
	// Everything the restored guest printed (its console.log starts with the saved boot's text), not only what came
	// while the request was out: the BUG can come between the restore and the request.
	const problem = restoredConsoleProblem(await readFile(join(logDir, 'console.log'), 'utf8').catch(() => ''), point.consoleText);
	if (problem) throw new BadStateError(`its first restore showed a kernel ${problem.kind}: ${problem.line.trim()}`);
}

// The first panic, Oops, BUG or WARN a restored guest printed after the saved boot's console text.
export function restoredConsoleProblem(text: string, savedConsole: string): ConsoleEvent | undefined {
	const after = text.startsWith(savedConsole) ? text.slice(savedConsole.length) : text;
	return after.split('\n').map(classifyLine).find(e => e !== undefined && e.kind !== 'call-trace');
}

// What a boot needs of a store: its saved state, and saying when it is done (a store, or one round of it).
export interface Snapshots {
	restorePoint(spec: BootConfig, vmOptions: Omit<VmOptions, 'logDir' | 'monitor' | 'restore'>, prepare?: GuestPreparation): Promise<RestorePoint | undefined>;
	release(spec: BootConfig): Promise<void>;
	// A guest restored from this configuration's state failed before doing anything of its own: the state is bad, and
	// the configuration's later boots (in this round) start cold.
	discard(spec: BootConfig, why: string): Promise<void>;
}

// A configuration's key within a round: round 1 is the plain key, so a run without repeats names states as before.
const roundKey = (spec: BootConfig, round: number): string => (round === 1 ? bootConfigKey(spec) : `${bootConfigKey(spec)}#${round}`);

export class SnapshotStore implements Snapshots {
	// Boots planned per configuration, and those not done yet.
	private readonly planned = new Map<string, number>();
	private readonly left = new Map<string, number>();
	private readonly points = new Map<string, Promise<RestorePoint | undefined>>();
	private readonly discardedPoints = new Map<string, RestorePoint>();
	private dir: Promise<string> | undefined;
	private untrack: (() => void) | undefined;
	// Why a configuration's snapshot could not be made (its boots then start cold).
	readonly failures: {key: string; message: string}[] = [];
	// States discarded because a guest restored from them failed before its first step.
	readonly discarded: {key: string; message: string}[] = [];
	// States refused by their check restore (checkRestorePoint), each followed by one more try.
	readonly refused: {key: string; message: string}[] = [];

	constructor(private readonly ctx: BuildContext) {}

	// Count a boot the run will make. Each round (repeat) of a run has states of its own, saved from its own boots,
	// so repeats of a cell are independent boots rather than replays of one saved state.
	plan(spec: BootConfig, boots = 1, round = 1): void {
		const key = roundKey(spec, round);
		this.planned.set(key, (this.planned.get(key) ?? 0) + boots);
		this.left.set(key, (this.left.get(key) ?? 0) + boots);
	}

	// The saved state to start this boot from, made on first use; undefined: boot cold (the configuration is not
	// shared, or its snapshot could not be made: each boot then meets the failure itself, as a cold boot would).
	// Every boot of one configuration through a store passes the same preparation (the cell runner's, for its design).
	restorePoint(spec: BootConfig, vmOptions: Omit<VmOptions, 'logDir' | 'monitor' | 'restore'>, prepare?: GuestPreparation, round = 1): Promise<RestorePoint | undefined> {
		const key = roundKey(spec, round);
		if ((this.planned.get(key) ?? 0) < 2) return Promise.resolve(undefined);
		// The VMs' signal (the pool's, which also stops when a task failed) or the store's (the command's).
		const stopped = (): boolean => Boolean(vmOptions.signal?.aborted || this.ctx.signal?.aborted);
		let point = this.points.get(key);
		if (!point) {
			point = (async () => {
				// The reaper removes the folder too, should kplug exit (an interrupt's grace run out) before dispose().
				this.dir ??= mkdtemp(join(tmpdir(), 'kplug-snapshots-')).then(made => {
					this.untrack = track(() => rm(made, {recursive: true, force: true}));
					return made;
				});
				const dir = join(await this.dir, sha256(key).slice(0, 16));
				try {
					try {
						return await makeRestorePoint(vmOptions, dir, prepare);
					} catch (error) {
						// A bad state is a matter of the moment it was saved: one more boot saves another.
						if (!(error instanceof BadStateError) || stopped()) throw error;
						this.ctx.progress.info(`the saved state of ${key} was refused (${error.message}): saving another`);
						this.refused.push({key, message: error.message});
						await rm(dir, {recursive: true, force: true});
						return await makeRestorePoint(vmOptions, dir, prepare);
					}
				} catch (error) {
					if (stopped()) throw error;
					const message = firstLine(error);
					// Tried again in the next round: a failure under load may be passing, and each round samples boots anew.
					this.failures.push({key, message});
					this.ctx.progress.info(`snapshot of ${key} could not be made (${message}): its cells boot cold`);
					await rm(dir, {recursive: true, force: true});
					return undefined;
				}
			})();
			this.points.set(key, point);
		}
		return point;
	}

	// A planned boot is done: the last one of its configuration removes the state file.
	async release(spec: BootConfig, round = 1): Promise<void> {
		const key = roundKey(spec, round);
		const left = (this.left.get(key) ?? 0) - 1;
		this.left.set(key, left);
		if (left > 0) return;
		const point = (await this.points.get(key)?.catch(() => undefined)) ?? this.discardedPoints.get(key);
		// Forget the configuration (a repeated run has one per round): its console text and preparation go with it.
		for (const map of [this.planned, this.left, this.points, this.discardedPoints]) map.delete(key);
		if (point) await rm(join(point.stateFile, '..'), {recursive: true, force: true});
	}

	async discard(spec: BootConfig, why: string, round = 1): Promise<void> {
		const key = roundKey(spec, round);
		const point = await this.points.get(key)?.catch(() => undefined);
		if (!point) return;
		this.discarded.push({key, message: why});
		this.ctx.progress.info(`the saved state of ${key} was discarded (${why}): its later cells boot cold`);
		this.points.set(key, Promise.resolve(undefined));
		// Boots that already hold the point may not have opened the file yet: it goes with the last release.
		this.discardedPoints.set(key, point);
	}

	// The boots of one round, as a boot sees them.
	round(round: number): Snapshots {
		return {
			restorePoint: (spec, vmOptions, prepare) => this.restorePoint(spec, vmOptions, prepare, round),
			release: spec => this.release(spec, round),
			discard: (spec, why) => this.discard(spec, why, round),
		};
	}

	async dispose(): Promise<void> {
		this.untrack?.();
		if (this.dir) await rm(await this.dir, {recursive: true, force: true});
	}
}
