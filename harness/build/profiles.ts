// Kernel profiles: one fragment file per profile in kernel-config/profiles/, applied over base.config and the
// kernel's own fragment (kernel-config/kernels/, see kernels.ts).
import {readdir, readFile} from 'node:fs/promises';
import {join} from 'node:path';
import {UsageError} from '../util/errors.ts';
import {repoPath} from '../util/paths.ts';
import {parseFragment, readFragment, type Fragment} from './fragment.ts';

export interface Profile {
	name: string;
	// First comment line of the fragment.
	description: string;
	fragment: Fragment;
}

export const defaultProfile = 'thumb2';
const configDir = repoPath('kernel-config');

// Names of all profiles (one per kernel-config/profiles/*.config), default first.
export async function profileNames(): Promise<string[]> {
	const files = await readdir(join(configDir, 'profiles'));
	const names = files.filter(f => f.endsWith('.config')).map(f => f.slice(0, -'.config'.length)).sort();
	return [defaultProfile, ...names.filter(n => n !== defaultProfile)].filter(n => names.includes(n));
}

// The fragment every kernel build starts from (on top of allnoconfig).
export function baseFragment(): Promise<Fragment> {
	return readFragment(join(configDir, 'base.config'));
}

// Load one profile (its own fragment), validating the name.
export async function loadProfile(name: string): Promise<Profile> {
	const names = await profileNames();
	if (!names.includes(name)) throw new UsageError(`unknown profile "${name}" (profiles: ${names.join(', ')})`);
	const ownPath = join(configDir, 'profiles', `${name}.config`);
	const ownText = await readFile(ownPath, 'utf8');
	const description = /^#\s*(.+)$/m.exec(ownText)?.[1] ?? name;
	return {name, description, fragment: parseFragment(ownText, ownPath)};
}

// Resolve a --profile filter (undefined = all) to profiles.
export async function selectProfiles(names: readonly string[] | undefined): Promise<Profile[]> {
	const wanted = names && names.length > 0 ? names : await profileNames();
	return Promise.all(wanted.map(loadProfile));
}
