import type {Scenario} from '../types.ts';

export const noArch: Scenario = {
	id: 'no-arch',
	title: 'arch module not in the image',
	description: 'The arch module is not in the image at all; insmod the generic module, the library and the driver.',
	withArch: false,
	files: [],
	append: [],
	steps: [
		{kind: 'insmod', module: 'generic'},
		{kind: 'insmod', module: 'lib'},
		{kind: 'insmod', module: 'driver'},
	],
};
