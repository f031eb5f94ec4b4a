import type {Scenario} from '../types.ts';

export const modprobe: Scenario = {
	id: 'modprobe',
	title: 'modprobe the driver',
	description: 'modprobe the driver and let the depmod-generated dependencies decide what else loads.',
	withArch: true,
	files: [],
	append: [],
	steps: [{kind: 'modprobe', module: 'driver'}],
};
