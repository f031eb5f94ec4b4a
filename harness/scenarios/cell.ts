// Run one cell (design × profile × CPU × scenario) in its own fresh VM (booted, or restored from the snapshot of its
// boot configuration) and record what happened.
import {rename, rm} from 'node:fs/promises';
import {basename, join} from 'node:path';
import type {BuildContext} from '../build/context.ts';
import {archHome, designModuleFiles, designRoles, design as lookupDesign, missingRoleReason, moduleNames, type DesignFiles, type DesignName, type ModuleRole} from '../subject/designs.ts';
import {bootGuest, guestModuleDir, type GuestSpec} from '../subject/guest.ts';
import type {Snapshots} from '../subject/snapshots.ts';
import {interruption, KplugError} from '../util/errors.ts';
import type {X25519Vector} from '../vectors/vector.ts';
import {VmError} from '../vm/errors.ts';
import {consoleEventsIn} from '../vm/console-watch.ts';
import type {VmHandle} from '../vm/vm.ts';
import {errnoFromMessage, errnoFromSyscallAnswer} from './errno.ts';
import {countedByKernel, endReadings, guestVersions, moduleSnapshot, probePaths, setupTracing} from './observe.ts';
import {afterRemovalScript, parseAfterRemoval, parseUnplugLoad, unplugLoadScript} from './unplug-load.ts';
import {scenario as lookupScenario} from './registry.ts';
import {bootPhases, phaseRecorder} from './timing.ts';
import {cellKey} from './config-key.ts';
import type {CellId, CellObservation, Step, StepResult, StepTool} from './types.ts';

// Stable key of a cell: design/profile/cpu/scenario (profile@kernel on a kernel other than the default).
export {cellKey};

type ActionStep = Exclude<Step, {kind: 'probe'}>;

// The caller's run after an idle removal: until this many calls, bounded by this many seconds.
const AFTER_REMOVAL_CALLS = 20;
const AFTER_REMOVAL_SECONDS = 10;

// The agent's raw-syscall mode (images/agent/PROTOCOL.md): the kernel's answer, no tool in between.
const AGENT = '/sbin/kplug-agent';

// The command a step runs, and who answers it.
export function stepCommand(step: ActionStep, moduleDir: string, files: DesignFiles): {label: string; argv: string[]; tool: StepTool} {
	switch (step.kind) {
		case 'insmod':
			return {label: `insmod ${step.module}`, argv: ['insmod', `${moduleDir}/${basename(files[step.module]!)}`], tool: 'kmod'};
		case 'rmmod':
			return {label: `rmmod ${step.module}`, argv: ['rmmod', moduleNames[step.module]], tool: 'kmod'};
		case 'modprobe':
			return {label: `modprobe ${step.module}`, argv: ['modprobe', moduleNames[step.module]], tool: 'kmod'};
		case 'modprobe-alias':
			return {label: `modprobe ${step.alias}`, argv: ['modprobe', step.alias], tool: 'kmod'};
		case 'finit_module':
			return {label: `finit_module ${step.module}`, argv: [AGENT, '--syscall', 'finit_module', `${moduleDir}/${basename(files[step.module]!)}`], tool: 'kernel'};
		case 'delete_module':
			return {label: `delete_module ${step.module}`, argv: [AGENT, '--syscall', 'delete_module', moduleNames[step.module]], tool: 'kernel'};
		case 'unplug-under-load':
			return {label: 'unplug arch under load', argv: ['sh', '-c', unplugLoadScript(`${moduleDir}/${basename(files['arch']!)}`, step.iterations, step.seconds)], tool: 'kmod'};
		default: {
			const never: never = step;
			throw new Error(`unknown step ${JSON.stringify(never)}`);
		}
	}
}

// The role a step needs (a module file, or a module to remove), if any.
export function stepRole(step: ActionStep): ModuleRole | undefined {
	switch (step.kind) {
		case 'insmod':
		case 'rmmod':
		case 'modprobe':
		case 'finit_module':
		case 'delete_module':
			return step.module;
		case 'unplug-under-load':
			return 'arch';
		default:
			return undefined;
	}
}

// A file name for every role, so stepCommand can name a step whose role's file is missing.
const roleStandIns = Object.fromEntries(Object.keys(moduleNames).map(role => [role, role])) as DesignFiles;

// A step for a role the design does not have on this kernel (a consolidated library has no arch module): not run,
// reported n/a with the reason; it keeps its place so the cell's timeline stays aligned with the scenario.
export function skippedStep(step: ActionStep, reason: string): StepResult {
	// The label and tool the step would have had (stepCommand's), with a stand-in for the file it does not have.
	const {label, tool} = stepCommand(step, '', roleStandIns);
	return {label, argv: [], tool, exitCode: 0, errno: undefined, message: '', kernelLog: [], consoleEvents: [], skipped: reason};
}

// Run one load/unload step and record who answered, what, and the modules resident right after.
async function runStep(vm: VmHandle, step: ActionStep, moduleDir: string, files: DesignFiles, tracing: boolean): Promise<StepResult> {
	const {label, argv, tool} = stepCommand(step, moduleDir, files);
	let resolved: StepResult['resolved'];
	if (step.kind === 'modprobe-alias') {
		const names = await vm.exec(['modprobe', '-R', step.alias], {step: `${label}: modprobe -R`});
		const depends = await vm.exec(['modprobe', '--show-depends', step.alias], {step: `${label}: modprobe --show-depends`});
		const lines = (text: string): string[] => text.split('\n').map(l => l.trim()).filter(Boolean);
		resolved = {
			modules: names.exitCode === 0 ? lines(names.stdout) : [`(exit ${names.exitCode}) ${names.stderr.trim()}`],
			showDepends: depends.exitCode === 0 ? lines(depends.stdout).map(l => l.replace(/\/lib\/modules\/[^/]+\//, '')) : [`(exit ${depends.exitCode}) ${depends.stderr.trim()}`],
		};
	}
	const loadRun = step.kind === 'unplug-under-load';
	// Under load, the kernel's own count of NEON-core and generic entries over the whole loop.
	const {result, kernel} = await countedByKernel(vm, label, loadRun && tracing, () =>
		vm.exec(argv, {step: label, settleMs: 30, ...(loadRun ? {timeoutMs: (step.seconds + 60) * 1000} : {})}),
	);
	const message = (tool === 'kernel' ? result.stdout : result.stderr).trim();
	const load: StepResult['load'] = loadRun ? {...parseUnplugLoad(result.stdout), ...(kernel ? {kernel} : {})} : undefined;
	// Removed with the caller stopped: does the caller go on, right, without it? Counted by the kernel on its own.
	if (load && load.idle === 'removed' && step.kind === 'unplug-under-load') {
		const afterLabel = `${label}: after the removal`;
		const archKo = `${moduleDir}/${basename(files['arch']!)}`;
		const counted = await countedByKernel(vm, afterLabel, tracing, () =>
			vm.exec(['sh', '-c', afterRemovalScript(archKo, AFTER_REMOVAL_CALLS, AFTER_REMOVAL_SECONDS)], {step: afterLabel, settleMs: 30, timeoutMs: (AFTER_REMOVAL_SECONDS + 60) * 1000}),
		);
		const {after, reinsertFailed} = parseAfterRemoval(counted.result.stdout, counted.result.exitCode);
		load.afterRemoval = {...after, ...(counted.kernel ? {kernel: counted.kernel} : {})};
		if (reinsertFailed) load.refusals[`insert-failed: ${reinsertFailed}`] = (load.refusals[`insert-failed: ${reinsertFailed}`] ?? 0) + 1;
		result.consoleLines.push(...counted.result.consoleLines);
		result.console.push(...counted.result.console);
	}
	return {
		label,
		argv,
		tool,
		exitCode: result.exitCode,
		errno: result.exitCode === 0 ? undefined : tool === 'kernel' ? errnoFromSyscallAnswer(message) : errnoFromMessage(message),
		message,
		...(tool !== 'kernel' && result.stdout.trim() ? {stdout: result.stdout.trim()} : {}),
		kernelLog: result.consoleLines.filter(l => l.trim() !== ''),
		consoleEvents: result.console.map(e => `${e.kind}: ${e.line}`),
		modulesAfter: await moduleSnapshot(vm, `${label}: /proc/modules`),
		...(resolved ? {resolved} : {}),
		...(load ? {load} : {}),
	};
}

// `modinfo -F depends` per module, by image, scenario files and module (runCell).
const modinfoAnswers = new Map<string, string>();

// What a cell boots (its snapshot store key): the scenario decides the image (arch module or not) and command line.
export function cellBootConfig(id: CellId): GuestSpec & {design: DesignName} {
	const sc = lookupScenario(id.scenario);
	return {kernel: id.kernel, ...(id.userland ? {userland: id.userland} : {}), profile: id.profile, design: lookupDesign(id.design).name, cpu: id.cpu, withArch: sc.withArch, append: sc.append};
}

// Run a cell; failures of the VM become an 'error' observation, never an exception. An interrupt (ctx.signal) is
// not a failure of the cell: it throws an InterruptedError and the cell is listed as not run.
export async function runCell(ctx: BuildContext, id: CellId, runDir: string, vectors: readonly X25519Vector[], options: {snapshots?: Snapshots} = {}): Promise<CellObservation> {
	const sc = lookupScenario(id.scenario);
	const d = lookupDesign(id.design);
	const key = cellKey(id);
	const logDir = join(runDir, 'cells', key.replace(/\//g, '__'));
	const started = performance.now();
	const observation: CellObservation = {
		id, cellKey: key, status: 'completed', bootMs: 0, durationMs: 0, cpuFeatures: [], neonInCpuinfo: false,
		steps: [], modulesAtEnd: [], kallsymsArch: {present: false, owner: undefined}, probes: [], tainted: '', kernelLogOfInterest: [], logDir,
	};
	let vm: VmHandle | undefined;
	let restored = false;
	let stepsBegan = false;
	let stateFault = false;
	const spec = cellBootConfig(id);
	const clock = phaseRecorder();
	observation.timing = clock.timing;
	try {
		const booting = performance.now();
		// Versions and kprobe events do not depend on the scenario: part of the boot, so a restored guest has them from
		// its snapshot (made once per boot configuration, which names the design and kernel they depend on).
		const booted = await bootGuest(ctx, spec, logDir, {
			...options,
			prepare: async (guest, build) => ({
				versions: await guestVersions(guest),
				tracing: await setupTracing(guest, d.name, archHome(d, build.kernel)),
			}),
			// Failed kprobe set-up is a cell's observation (its path claims are then not evaluated), not every restored cell's.
			shareable: prepared => (prepared.tracing.ok ? undefined : `kprobe set-up: ${prepared.tracing.message}`),
			restoring: () => {
				restored = true;
			},
		});
		vm = booted.vm;
		clock.timing.start = booted.restored ? 'restored' : 'cold';
		Object.assign(clock.timing.phases, bootPhases(performance.now() - booting - booted.prepareMs, vm, booted.restored ? booted.snapshotMs : undefined));
		if (booted.prepareMs) clock.add('setup', booted.prepareMs);
		const guest = vm;
		observation.bootMs = vm.bootMs;
		observation.cpuFeatures = vm.ready.cpuFeatures;
		observation.neonInCpuinfo = vm.ready.cpuFeatures.includes('neon');
		const files = designModuleFiles(booted.build, d);
		const moduleDir = guestModuleDir(booted.build.kernel.release);
		if (!booted.prepared) throw new KplugError(`cell ${key}: the guest's preparation gave no answer`);
		await clock.time('files', async () => {
			for (const file of sc.files) await guest.writeFile(file.path, file.content);
		});
		observation.guest = booted.prepared.versions;
		const home = archHome(d, booted.build.kernel);
		if (home.consolidated) observation.archModule = home.module;
		const tracing = booted.prepared.tracing;
		observation.tracing = tracing;
		const roles = designRoles(d, booted.build.kernel);
		// From here a failure can be the cell's own (a step still running is not in observation.steps yet).
		stepsBegan = true;
		for (const step of sc.steps) {
			const role = step.kind === 'probe' ? undefined : stepRole(step);
			if (step.kind === 'probe') observation.probes.push(await clock.step('probes', 'probe', () => probePaths(guest, d.name, vectors, step.label, tracing.ok)));
			else if (role && !roles.includes(role)) observation.steps.push(skippedStep(step, missingRoleReason(d, booted.build.kernel.kernel, role)));
			else observation.steps.push(await clock.step('steps', step.kind, () => runStep(guest, step, moduleDir, files, tracing.ok)));
		}
		observation.probes.push(await clock.step('probes', 'probe', () => probePaths(guest, d.name, vectors, 'end', tracing.ok)));
		await clock.time('readings', async () => {
			const modules = Object.values(files).map(f => basename(f, '.ko').replace(/-/g, '_'));
			// modinfo answers from the image's files and the scenario's modprobe.d (nothing a step changes): read once
			// per image, configuration and module in a process, by the first cell that has them; only an answer
			// modinfo gave with exit 0 is kept (a failed one is read again by the next cell).
			const modinfoKey = (module: string): string => JSON.stringify([booted.image.path, sc.files, module]);
			const known = Object.fromEntries(modules.flatMap(m => {
				const answer = modinfoAnswers.get(modinfoKey(m));
				return answer === undefined ? [] : [[m, answer]];
			}));
			const readings = await endReadings(guest, booted.build.kernel.release, modules, known);
			for (const [m, answer] of Object.entries(readings.recorded.modinfoDepends)) if (!answer.startsWith('(modinfo exit')) modinfoAnswers.set(modinfoKey(m), answer);
			observation.modulesAtEnd = readings.modules;
			observation.kallsymsArch = readings.kallsyms.arch;
			observation.kallsymsNeon = readings.kallsyms.neon;
			observation.recorded = readings.recorded;
			observation.kernelLogOfInterest = readings.log.lines;
			observation.tainted = readings.log.tainted;
		});
	} catch (error) {
		if (ctx.signal?.aborted) throw interruption(ctx.signal, `cell ${key}`);
		if (!(error instanceof KplugError)) throw error;
		observation.status = 'error';
		observation.error = {class: error instanceof VmError ? error.failureClass : error.name, message: error.message.split('\n')[0] ?? error.message};
		// A VM that failed mid-cell may have said why on its console first (an Oops that left a request stuck):
		// the error names it, so the report does not show only the symptom.
		const events = error instanceof VmError ? await consoleEventsIn(join(logDir, 'console.log')) : [];
		if (events.length > 0) {
			observation.error.console = events;
			observation.error.message += `; the console showed first: ${events.filter(e => !e.startsWith('call-trace')).slice(0, 2).join(' / ')}`;
		}
	} finally {
		if (vm) await clock.time('teardown', () => vm!.close());
		// Discarded before this boot is released: the last planned boot's release forgets the configuration.
		stateFault = restored && restoreFault(observation, stepsBegan);
		if (stateFault) await options.snapshots?.discard(spec, `a guest restored from it failed before its first step: ${observation.error!.class}`);
		await options.snapshots?.release(spec);
		observation.durationMs = Math.round(performance.now() - started);
	}
	if (stateFault) return rerunCold(ctx, id, runDir, vectors, observation);
	return observation;
}

// A restored guest whose VM failed before the cell's first step began: nothing the cell did can have caused it
// (it had only written the scenario's files), so the saved state is at fault. Seen under QEMU 7.2 TCG on cortex-a15
// with NEON off: an Oops in hrtimer_interrupt, or "scheduling while atomic" from the idle task, in every guest
// restored from one state, never in the boot that saved it nor in a cold boot.
export function restoreFault(observation: Pick<CellObservation, 'status' | 'error'>, stepsBegan: boolean): boolean {
	return observation.status === 'error' && !stepsBegan && observation.error !== undefined && vmFailureClasses.has(observation.error.class);
}

// The VM failures (VmError.failureClass) that say the guest itself broke; an agent's refusal of a request
// (agent-request) or an error of the cell's own is an answer, not a broken guest.
const vmFailureClasses: ReadonlySet<string> = new Set<VmError['failureClass']>(['qemu-start', 'boot-timeout', 'request-timeout', 'kernel-crash', 'qemu-exited', 'agent-lost', 'guest-stuck']);

// Keep the failed attempt's logs beside the cell's, and run the cell again from a cold boot (its state was discarded).
async function rerunCold(ctx: BuildContext, id: CellId, runDir: string, vectors: readonly X25519Vector[], failed: CellObservation): Promise<CellObservation> {
	const aside = `${failed.logDir}.restored`;
	await rm(aside, {recursive: true, force: true});
	// A VM that never started may have left no folder.
	await rename(failed.logDir, aside).catch(() => undefined);
	const rerun = await runCell(ctx, id, runDir, vectors, {});
	rerun.snapshotFault = `restored from a saved state, the guest failed before the cell's first step (${failed.error!.message.slice(0, 300)}); the state was discarded and the cell ran again from a cold boot (the restored attempt's logs: ${aside})`;
	return rerun;
}
