import type {Scenario} from '../types.ts';

export const libFirst: Scenario = {
	id: 'lib-first',
	title: 'insmod, library before the arch module',
	description: 'insmod the generic module, the library, the arch module, then the driver (the opposite order asked about in the thread).',
	withArch: true,
	files: [],
	append: [],
	steps: [
		{kind: 'insmod', module: 'generic'},
		{kind: 'insmod', module: 'lib'},
		{kind: 'insmod', module: 'arch'},
		{kind: 'insmod', module: 'driver'},
	],
};
