import type {Scenario} from '../types.ts';

export const blacklistCmdlineKernel: Scenario = {
	id: 'blacklist-cmdline-kernel',
	title: 'module_blacklist= on the kernel command line',
	description: '`module_blacklist=curve25519_neon` on the kernel command line (enforced by the kernel\'s module loader), then modprobe the driver.',
	withArch: true,
	files: [],
	append: ['module_blacklist=curve25519_neon'],
	steps: [{kind: 'modprobe', module: 'driver'}],
};
