// The one name of a configuration (design/profile/cpu) and of a cell (…/scenario). A kernel other than the default
// is written after the profile (thumb2@7.3), so the default kernel's names, and the baseline's keys, stay as they are.
import {defaultKernel} from '../build/kernels.ts';

export interface ConfigName {
	design: string;
	profile: string;
	cpu: string;
	// Absent for the default kernel.
	kernel?: string;
}

// The profile as named in keys and lines: thumb2, or thumb2@7.3 on another kernel.
export function profileName(c: Pick<ConfigName, 'profile' | 'kernel'>): string {
	return c.kernel && c.kernel !== defaultKernel ? `${c.profile}@${c.kernel}` : c.profile;
}

// design/profile/cpu.
export function configKey(c: ConfigName): string {
	return `${c.design}/${profileName(c)}/${c.cpu}`;
}

// design/profile/cpu/scenario: a cell's stable key (the baseline's, the report's, the run folders').
export function cellKey(id: ConfigName & {scenario: string}): string {
	return `${configKey(id)}/${id.scenario}`;
}

// The kernel field a configuration of kernel `id` carries: none for the default kernel.
export function kernelField(id: string | undefined): {kernel?: string} {
	return id && id !== defaultKernel ? {kernel: id} : {};
}
