import type {Scenario} from '../types.ts';

export const runtimeUnplug: Scenario = {
	id: 'runtime-unplug',
	title: 'unplug the arch module at runtime',
	description:
		'modprobe the driver (each design loads its arch module its own way: dependency or softdep), then, with the library and ' +
		'its user still loaded, ask the kernel to remove the arch module (delete_module, O_NONBLOCK, no tool in between) and keep ' +
		'calling the library without reloading anything.',
	withArch: true,
	files: [],
	append: [],
	steps: [
		{kind: 'modprobe', module: 'driver'},
		{kind: 'probe', label: 'plugged'},
		{kind: 'delete_module', module: 'arch'},
		{kind: 'probe', label: 'after-unplug'},
	],
};
