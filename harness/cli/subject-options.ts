// What a command is run on: kernels, designs, profiles and CPUs, named the same way by every command that takes
// them (one option spec; parsed once, by parseCommandArgs, into ParsedArgs.subject).
import {kernelDef} from '../build/kernels.ts';
import {listOption, type OptionSpec} from './command.ts';

export const subjectOptions: OptionSpec = {
	kernel: {type: 'string', multiple: true},
	design: {type: 'string', multiple: true},
	profile: {type: 'string', multiple: true},
	cpu: {type: 'string', multiple: true},
};

export const subjectHelp = 'Kernels: 6.1 (default), 6.12, 7.3 (--kernel ID[,ID…]); the others are filters (a name, a comma list, or repeats).';

// Each filter: undefined when not given (the command's default), else the names in order, without repeats.
export interface SubjectFilter {
	kernels?: string[];
	designs?: string[];
	profiles?: string[];
	cpus?: string[];
}

type Values = Record<string, string | boolean | string[] | undefined>;

// The filters from parsed flag values; kernel ids are checked here (the rest by the stage that knows them).
export function subjectFilter(values: Values): SubjectFilter {
	const kernels = listOption(values['kernel'])?.map(id => kernelDef(id).id);
	const pick = (name: string): string[] | undefined => listOption(values[name]);
	const filter: SubjectFilter = {};
	if (kernels) filter.kernels = kernels;
	for (const [key, flag] of [['designs', 'design'], ['profiles', 'profile'], ['cpus', 'cpu']] as const) {
		const names = pick(flag);
		if (names) filter[key] = names;
	}
	return filter;
}
