// Run one cell (design × profile × CPU × scenario) in its own fresh VM and record what happened.
import {basename, join} from 'node:path';
import type {BuildContext} from '../build/context.ts';
import {designModuleFiles, design as lookupDesign, moduleNames} from '../subject/designs.ts';
import {bootGuest} from '../subject/guest.ts';
import {KplugError} from '../util/errors.ts';
import type {X25519Vector} from '../vectors/vector.ts';
import {VmError} from '../vm/errors.ts';
import type {VmHandle} from '../vm/vm.ts';
import {errnoFromMessage} from './errno.ts';
import {kallsymsArch, kernelLog, loadedModules, probePaths} from './observe.ts';
import {scenario as lookupScenario} from './registry.ts';
import type {CellId, CellObservation, Step, StepResult} from './types.ts';

// Stable key of a cell: design/profile/cpu/scenario.
export function cellKey(id: CellId): string {
	return `${id.design}/${id.profile}/${id.cpu}/${id.scenario}`;
}

function stepArgv(step: Exclude<Step, {kind: 'probe'}>, moduleDir: string, files: Record<string, string>): string[] {
	switch (step.kind) {
		case 'insmod':
			return ['insmod', `${moduleDir}/${basename(files[step.module]!)}`];
		case 'rmmod':
			return ['rmmod', moduleNames[step.module]];
		case 'modprobe':
			return ['modprobe', moduleNames[step.module]];
		default: {
			const never: never = step;
			throw new Error(`unknown step ${JSON.stringify(never)}`);
		}
	}
}

// Run a cell; failures of the VM become an 'error' observation, never an exception.
export async function runCell(ctx: BuildContext, id: CellId, runDir: string, vectors: readonly X25519Vector[]): Promise<CellObservation> {
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
	try {
		const booted = await bootGuest(ctx, {profile: id.profile, design: d.name, cpu: id.cpu, withArch: sc.withArch, append: sc.append}, logDir);
		vm = booted.vm;
		observation.bootMs = vm.bootMs;
		observation.cpuFeatures = vm.ready.cpuFeatures;
		observation.neonInCpuinfo = vm.ready.cpuFeatures.includes('neon');
		const files = designModuleFiles(booted.build, d);
		const moduleDir = `/lib/modules/${booted.build.kernel.release}/kernel/kplug`;
		for (const file of sc.files) await vm.writeFile(file.path, file.content);
		for (const step of sc.steps) {
			if (step.kind === 'probe') {
				observation.probes.push(await probePaths(vm, d.name, vectors, step.label));
				continue;
			}
			const argv = stepArgv(step, moduleDir, files);
			const result = await vm.exec(argv, {step: `${step.kind} ${step.module}`, settleMs: 30});
			const message = result.stderr.trim();
			const stepResult: StepResult = {
				label: `${step.kind} ${step.module}`,
				argv,
				exitCode: result.exitCode,
				errno: result.exitCode === 0 ? undefined : errnoFromMessage(message),
				message,
				kernelLog: result.consoleLines.filter(l => l.trim() !== ''),
				consoleEvents: result.console.map(e => `${e.kind}: ${e.line}`),
			};
			observation.steps.push(stepResult);
		}
		observation.probes.push(await probePaths(vm, d.name, vectors, 'end'));
		observation.modulesAtEnd = await loadedModules(vm);
		observation.kallsymsArch = await kallsymsArch(vm);
		const log = await kernelLog(vm);
		observation.kernelLogOfInterest = log.lines;
		observation.tainted = log.tainted;
	} catch (error) {
		if (!(error instanceof KplugError)) throw error;
		observation.status = 'error';
		observation.error = {class: error instanceof VmError ? error.failureClass : error.name, message: error.message.split('\n')[0] ?? error.message};
	} finally {
		await vm?.close();
		observation.durationMs = Math.round(performance.now() - started);
	}
	return observation;
}
