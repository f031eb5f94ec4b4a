import type {Scenario} from '../types.ts';

export const blacklistCmdlineModprobe: Scenario = {
	id: 'blacklist-cmdline-modprobe',
	title: 'modprobe.blacklist= on the kernel command line',
	description: '`modprobe.blacklist=curve25519_neon` on the kernel command line (read by kmod), then modprobe the driver.',
	withArch: true,
	files: [],
	append: ['modprobe.blacklist=curve25519_neon'],
	steps: [{kind: 'modprobe', module: 'driver'}],
};
