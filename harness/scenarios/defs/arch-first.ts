import type {Scenario} from '../types.ts';

export const archFirst: Scenario = {
	id: 'arch-first',
	title: 'insmod, arch module first',
	description: 'insmod the generic module, the arch module, the library, then the driver.',
	withArch: true,
	files: [],
	append: [],
	steps: [
		{kind: 'insmod', module: 'generic'},
		{kind: 'insmod', module: 'arch'},
		{kind: 'insmod', module: 'lib'},
		{kind: 'insmod', module: 'driver'},
	],
};
