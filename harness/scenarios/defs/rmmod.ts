import type {Scenario} from '../types.ts';
import {archFirst} from './arch-first.ts';

export const rmmod: Scenario = {
	id: 'rmmod',
	title: 'unplug the arch module',
	description: 'After arch-first, try to remove the arch module while the library uses it (kmod\'s rmmod, then the kernel\'s own delete_module answer); remove everything in dependency order; load the library and driver again without the arch module.',
	withArch: true,
	files: [],
	append: [],
	steps: [
		...archFirst.steps,
		{kind: 'probe', label: 'plugged'},
		{kind: 'rmmod', module: 'arch'},
		{kind: 'delete_module', module: 'arch'},
		{kind: 'rmmod', module: 'driver'},
		{kind: 'rmmod', module: 'lib'},
		{kind: 'rmmod', module: 'arch'},
		{kind: 'insmod', module: 'lib'},
		{kind: 'insmod', module: 'driver'},
	],
};
