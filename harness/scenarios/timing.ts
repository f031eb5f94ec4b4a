// Timing a cell by phase: a small recorder the cell runner wraps its phases in (kept apart from the observations).
import type {CellPhase, CellTiming, Step} from './types.ts';
import type {VmStartPhases} from '../vm/vm.ts';

// Every phase, in the order a cell goes through them (reports list them in this order).
export const cellPhases: readonly CellPhase[] = ['image', 'snapshot', 'vmPrepare', 'qemuStart', 'kernelBoot', 'agentReady', 'restore', 'files', 'setup', 'steps', 'probes', 'readings', 'teardown', 'reportWrite'];

export interface PhaseRecorder {
	timing: CellTiming;
	// Run work and add its wall time to a phase (phases that happen several times add up).
	time<T>(phase: CellPhase, work: () => Promise<T>): Promise<T>;
	// Same, also listed as one step (or probe) of the given kind.
	step<T>(phase: 'steps' | 'probes', kind: Step['kind'], work: () => Promise<T>): Promise<T>;
	add(phase: CellPhase, ms: number): void;
}

// A recorder for one cell; times are rounded to whole milliseconds.
export function phaseRecorder(): PhaseRecorder {
	const timing: CellTiming = {phases: {}, steps: []};
	const add = (phase: CellPhase, ms: number): void => {
		timing.phases[phase] = (timing.phases[phase] ?? 0) + Math.max(0, Math.round(ms));
	};
	async function time<T>(phase: CellPhase, work: () => Promise<T>): Promise<T> {
		const started = performance.now();
		try {
			return await work();
		} finally {
			add(phase, performance.now() - started);
		}
	}
	return {
		timing,
		time,
		add,
		async step(phase, kind, work) {
			const started = performance.now();
			try {
				return await work();
			} finally {
				const ms = performance.now() - started;
				add(phase, ms);
				timing.steps.push({kind, ms: Math.round(ms)});
			}
		},
	};
}

// Split the wall time of booting a guest into the image lookup, the wait for its snapshot (a restored guest) and the
// VM's own start phases.
export function bootPhases(totalMs: number, vm: {bootMs: number; startPhases: VmStartPhases}, snapshotMs?: number): Partial<Record<CellPhase, number>> {
	const p = vm.startPhases;
	return {
		image: Math.max(0, Math.round(totalMs - p.prepareMs - vm.bootMs - (snapshotMs ?? 0))),
		...(snapshotMs !== undefined ? {snapshot: snapshotMs} : {}),
		vmPrepare: p.prepareMs,
		qemuStart: p.qemuStartMs,
		...(p.kernelBootMs !== undefined ? {kernelBoot: p.kernelBootMs} : {}),
		...(p.agentReadyMs !== undefined ? {agentReady: p.agentReadyMs} : {}),
		...(p.restoreMs !== undefined ? {restore: p.restoreMs} : {}),
	};
}
