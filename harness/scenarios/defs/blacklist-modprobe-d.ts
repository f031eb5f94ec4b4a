import type {Scenario} from '../types.ts';

export const blacklistModprobeD: Scenario = {
	id: 'blacklist-modprobe-d',
	title: 'blacklist in /etc/modprobe.d',
	description: '`blacklist curve25519_neon` in /etc/modprobe.d/, then modprobe the driver.',
	withArch: true,
	files: [{path: '/etc/modprobe.d/kplug-blacklist.conf', content: 'blacklist curve25519_neon\n'}],
	append: [],
	steps: [{kind: 'modprobe', module: 'driver'}],
};
