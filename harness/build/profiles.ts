// Kernel profiles: one fragment file per profile in kernel-config/profiles/, on top of base.config.
import {readdir, readFile} from 'node:fs/promises';
import {join} from 'node:path';
import {UsageError} from '../util/errors.ts';
import {repoPath} from '../util/paths.ts';
import {parseFragment, type Fragment} from './fragment.ts';

export interface Profile {
	name: string;
	// First comment line of the fragment.
	description: string;
	fragments: Fragment[];
}

export const defaultProfile = 'thumb2';
const configDir = repoPath('kernel-config');

// Names of all profiles (one per kernel-config/profiles/*.config), default first.
export async function profileNames(): Promise<string[]> {
	const files = await readdir(join(configDir, 'profiles'));
	const names = files.filter(f => f.endsWith('.config')).map(f => f.slice(0, -'.config'.length)).sort();
	return [defaultProfile, ...names.filter(n => n !== defaultProfile)].filter(n => names.includes(n));
}

// Load one profile (base fragment + its own), validating the name.
export async function loadProfile(name: string): Promise<Profile> {
	const names = await profileNames();
	if (!names.includes(name)) throw new UsageError(`unknown profile "${name}" (profiles: ${names.join(', ')})`);
	const basePath = join(configDir, 'base.config');
	const ownPath = join(configDir, 'profiles', `${name}.config`);
	const base = parseFragment(await readFile(basePath, 'utf8'), basePath);
	const ownText = await readFile(ownPath, 'utf8');
	const own = parseFragment(ownText, ownPath);
	const description = /^#\s*(.+)$/m.exec(ownText)?.[1] ?? name;
	return {name, description, fragments: [base, own]};
}

// Resolve a --profile filter (undefined = all) to profiles.
export async function selectProfiles(names: readonly string[] | undefined): Promise<Profile[]> {
	const wanted = names && names.length > 0 ? names : await profileNames();
	return Promise.all(wanted.map(loadProfile));
}
