// The one name of a configuration (design/profile/cpu) and of a cell (…/scenario). A kernel other than the default
// is written after the profile (thumb2@7.3), and a userland other than the default after that (thumb2@6.12+trixie),
// so the default kernel's and userland's names, and the baseline's keys, stay as they are.
import {defaultKernel} from '../build/kernels.ts';
import {defaultUserland} from '../setup/userlands.ts';

export interface ConfigName {
	design: string;
	profile: string;
	cpu: string;
	// Absent for the default kernel.
	kernel?: string;
	// Absent for the default userland (setup/userlands.ts).
	userland?: string;
}

// The profile as named in keys and lines: thumb2, thumb2@7.3 on another kernel, thumb2@6.12+trixie with another
// userland.
export function profileName(c: Pick<ConfigName, 'profile' | 'kernel' | 'userland'>): string {
	const kernel = c.kernel && c.kernel !== defaultKernel ? `@${c.kernel}` : '';
	const userland = c.userland && c.userland !== defaultUserland ? `+${c.userland}` : '';
	return `${c.profile}${kernel}${userland}`;
}

// The parts of a profile name (profileName's inverse).
export function parseProfileName(name: string): {profile: string; kernel?: string; userland?: string} {
	const [head = '', userland] = name.split('+');
	const [profile = '', kernel] = head.split('@');
	return {profile, ...(kernel ? {kernel} : {}), ...(userland ? {userland} : {})};
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

// The userland field a configuration of userland `id` carries: none for the default userland.
export function userlandField(id: string | undefined): {userland?: string} {
	return id && id !== defaultUserland ? {userland: id} : {};
}
