// Named CPU models for the guest: what -cpu says and whether NEON is there.
import {UsageError} from '../util/errors.ts';

export interface CpuModel {
	name: string;
	qemuCpu: string;
	neon: boolean;
	description: string;
}

export const cpuModels: readonly CpuModel[] = [
	{name: 'neon', qemuCpu: 'cortex-a15', neon: true, description: 'Cortex-A15 with NEON (Advanced SIMD)'},
	{name: 'noneon', qemuCpu: 'cortex-a15,neon=off', neon: false, description: 'Cortex-A15 with NEON disabled'},
];

// Look up a CPU model by name; unknown names list the valid ones.
export function cpuModel(name: string): CpuModel {
	const model = cpuModels.find(m => m.name === name);
	if (!model) throw new UsageError(`unknown CPU model "${name}" (CPU models: ${cpuModels.map(m => m.name).join(', ')})`);
	return model;
}
