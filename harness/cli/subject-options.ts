// What a command is run on: kernels, designs, profiles and CPUs, named the same way by every command that takes
// them (one option spec; parsed once, by parseCommandArgs, into ParsedArgs.subject).
import {kernelDef} from '../build/kernels.ts';
import {userlandDef} from '../setup/userlands.ts';
import {listOption, type OptionSpec} from './command.ts';

export const subjectOptions: OptionSpec = {
	kernel: {type: 'string', multiple: true},
	design: {type: 'string', multiple: true},
	profile: {type: 'string', multiple: true},
	cpu: {type: 'string', multiple: true},
};

export const subjectHelp = 'Kernels: 6.1 (default), 6.12, 7.3 (--kernel ID[,ID…]); the others are filters (a name, a comma list, or repeats).';

// The guest userland (setup/userlands.ts): taken by the commands whose guests run kmod's tools on the cell's behalf
// (run, start, boot, shell); the vector and memory jobs load modules with insmod on the default userland.
export const userlandOption: OptionSpec = {userland: {type: 'string', multiple: true}};


// Each filter: undefined when not given (the command's default), else the names in order, without repeats.
export interface SubjectFilter {
	kernels?: string[];
	designs?: string[];
	profiles?: string[];
	cpus?: string[];
	userlands?: string[];
}

type Values = Record<string, string | boolean | string[] | undefined>;

// The filters from parsed flag values; kernel ids are checked here (the rest by the stage that knows them).
export function subjectFilter(values: Values): SubjectFilter {
	const kernels = listOption(values['kernel'], 'kernel')?.map(id => kernelDef(id).id);
	const userlands = listOption(values['userland'], 'userland')?.map(id => userlandDef(id).id);
	const pick = (name: string): string[] | undefined => listOption(values[name], name);
	const filter: SubjectFilter = {};
	if (kernels) filter.kernels = kernels;
	if (userlands) filter.userlands = [...new Set(userlands)];
	for (const [key, flag] of [['designs', 'design'], ['profiles', 'profile'], ['cpus', 'cpu']] as const) {
		const names = pick(flag);
		if (names) filter[key] = names;
	}
	return filter;
}
