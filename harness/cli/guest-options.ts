// The one guest that `boot` and `shell` start: one kernel, design, profile and CPU, named with the subject option spec.
import {mkdir, mkdtemp} from 'node:fs/promises';
import {join} from 'node:path';
import {checkKernelProfile, defaultKernel, kernelDef} from '../build/kernels.ts';
import {defaultProfile, loadProfile} from '../build/profiles.ts';
import {kernelField, userlandField} from '../scenarios/config-key.ts';
import {defaultUserland, userlandDef} from '../setup/userlands.ts';
import {design, type DesignName} from '../subject/designs.ts';
import {UsageError} from '../util/errors.ts';
import {cpuModel} from '../vm/cpu-models.ts';
import type {OptionSpec, ParsedArgs} from './command.ts';
import {subjectOptions, userlandOption} from './subject-options.ts';

export const guestOptions: OptionSpec = {...subjectOptions, ...userlandOption};

export const guestDefaults = {kernel: defaultKernel, design: 'weak', profile: defaultProfile, cpu: 'neon', userland: defaultUserland} as const;

// The guest the flags name (defaults: the default kernel, weak, the default profile, the NEON CPU); more than one value
// is a UsageError, and so is a profile the kernel does not build.
export async function oneGuest(args: ParsedArgs, command: string): Promise<{kernel?: string; userland?: string; design: DesignName; profile: string; cpu: string}> {
	const one = (name: keyof typeof guestDefaults): string => {
		const values = args.subject[`${name}s`];
		if (values && values.length > 1) throw new UsageError(`${command}: one --${name} at a time, got ${values.join(', ')}`);
		return values?.[0] ?? guestDefaults[name];
	};
	const kernel = kernelDef(one('kernel'));
	const d = design(one('design'));
	const cpu = cpuModel(one('cpu'));
	const profile = await loadProfile(one('profile'));
	checkKernelProfile(kernel, profile.name);
	return {...kernelField(kernel.id), ...userlandField(userlandDef(one('userland')).id), design: d.name, profile: profile.name, cpu: cpu.name};
}

// A fresh log folder for one command's guest: <out>/<command>/<time>-XXXXXX/.
export async function commandLogDir(outDir: string, command: string): Promise<string> {
	await mkdir(join(outDir, command), {recursive: true});
	return mkdtemp(join(outDir, command, `${new Date().toISOString().replace(/[:.]/g, '-')}-`));
}
