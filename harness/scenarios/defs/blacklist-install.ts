import type {Scenario} from '../types.ts';

export const blacklistInstall: Scenario = {
	id: 'blacklist-install',
	title: 'install … /bin/false in /etc/modprobe.d',
	description: '`install curve25519_neon /bin/false` in /etc/modprobe.d/, then modprobe the driver.',
	withArch: true,
	files: [{path: '/etc/modprobe.d/kplug-blacklist.conf', content: 'install curve25519_neon /bin/false\n'}],
	append: [],
	steps: [{kind: 'modprobe', module: 'driver'}],
};
