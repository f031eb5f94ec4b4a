import type {Scenario} from '../types.ts';

export const blacklistCmdlineKernel: Scenario = {
	id: 'blacklist-cmdline-kernel',
	title: 'module_blacklist= on the kernel command line',
	description:
		'`module_blacklist=curve25519_neon` on the kernel command line (enforced by the kernel\'s module loader), then modprobe the driver, ' +
		'then load the arch module with the raw finit_module syscall: the kernel\'s own answer, no tool in between.',
	withArch: true,
	files: [],
	append: ['module_blacklist=curve25519_neon'],
	steps: [
		{kind: 'modprobe', module: 'driver'},
		{kind: 'finit_module', module: 'arch'},
	],
};
