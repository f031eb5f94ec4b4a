// The one guest that `boot` and `shell` start: one design, profile and CPU, named with the matrix's option spec.
import {mkdir, mkdtemp} from 'node:fs/promises';
import {join} from 'node:path';
import {defaultProfile, loadProfile} from '../build/profiles.ts';
import {design, type DesignName} from '../subject/designs.ts';
import {UsageError} from '../util/errors.ts';
import {cpuModel} from '../vm/cpu-models.ts';
import {listOption, type OptionSpec, type ParsedArgs} from './command.ts';
import {matrixOptions} from './matrix-job.ts';

export const guestOptions: OptionSpec = {design: matrixOptions['design']!, profile: matrixOptions['profile']!, cpu: matrixOptions['cpu']!};

export const guestDefaults = {design: 'weak', profile: defaultProfile, cpu: 'neon'} as const;

// The guest the flags name (defaults: weak, the default profile, the NEON CPU); more than one value is a UsageError.
export async function oneGuest(args: ParsedArgs, command: string): Promise<{design: DesignName; profile: string; cpu: string}> {
	const one = (name: keyof typeof guestDefaults): string => {
		const values = listOption(args.values[name]);
		if (values && values.length > 1) throw new UsageError(`${command}: one --${name} at a time, got ${values.join(', ')}`);
		return values?.[0] ?? guestDefaults[name];
	};
	const d = design(one('design'));
	const cpu = cpuModel(one('cpu'));
	const profile = await loadProfile(one('profile'));
	return {design: d.name, profile: profile.name, cpu: cpu.name};
}

// A fresh log folder for one command's guest: <out>/<command>/<time>-XXXXXX/.
export async function commandLogDir(outDir: string, command: string): Promise<string> {
	await mkdir(join(outDir, command), {recursive: true});
	return mkdtemp(join(outDir, command, `${new Date().toISOString().replace(/[:.]/g, '-')}-`));
}
