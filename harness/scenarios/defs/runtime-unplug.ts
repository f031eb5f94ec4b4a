import type {Scenario} from '../types.ts';
import {archFirst} from './arch-first.ts';

export const runtimeUnplug: Scenario = {
	id: 'runtime-unplug',
	title: 'unplug the arch module at runtime',
	description:
		'After arch-first, with the library and its user (the driver) still loaded, ask the kernel to remove the arch module ' +
		'(delete_module, O_NONBLOCK, no tool in between) and keep calling the library without reloading anything.',
	withArch: true,
	files: [],
	append: [],
	steps: [
		...archFirst.steps,
		{kind: 'probe', label: 'plugged'},
		{kind: 'delete_module', module: 'arch'},
		{kind: 'probe', label: 'after-unplug'},
	],
};
