// kplug setup: check host tools and guest packages; install what is missing when root.
import {access, mkdir, readdir, readFile} from 'node:fs/promises';
import {join} from 'node:path';
import {SetupError} from '../util/errors.ts';
import {haveTool, run} from '../util/exec.ts';
import {repoPath} from '../util/paths.ts';
import type {Progress} from '../util/progress.ts';
import {aptDownloadArgs, aptInstall, aptUpdate, foreignArchitectures, installLine} from './apt.ts';
import {guestArch, hostRequirements, type HostRequirement} from './requirements.ts';

export interface SetupReport {
	installed: string[];
	guestDebs: Record<string, string>;
	warnings: string[];
}

async function satisfied(requirement: HostRequirement): Promise<boolean> {
	if ('command' in requirement.check) return haveTool(requirement.check.command);
	return access(requirement.check.file).then(() => true, () => false);
}

// Host packages whose check fails.
export async function missingHostPackages(): Promise<string[]> {
	const missing = new Set<string>();
	for (const requirement of hostRequirements) if (!(await satisfied(requirement))) missing.add(requirement.package);
	return [...missing];
}

// The guest package list from images/packages.txt.
export async function guestPackageList(): Promise<string[]> {
	const text = await readFile(repoPath('images/packages.txt'), 'utf8');
	return text.split('\n').map(l => l.replace(/#.*/, '').trim()).filter(Boolean);
}

// Downloaded .deb per guest package (newest file in the cache), or undefined if missing.
export async function cachedGuestDebs(debDir: string, packages: readonly string[]): Promise<Record<string, string | undefined>> {
	const files = await readdir(debDir).catch(() => [] as string[]);
	const found: Record<string, string | undefined> = {};
	for (const name of packages) {
		const matches = files.filter(f => f.startsWith(`${name}_`) && f.endsWith(`_${guestArch}.deb`)).sort();
		found[name] = matches.length > 0 ? join(debDir, matches[matches.length - 1]!) : undefined;
	}
	return found;
}

const isRoot = (): boolean => process.getuid?.() === 0;

// Check and (as root) install everything; otherwise throw one SetupError with the line to run.
export async function runSetup(cacheDir: string, progress: Progress): Promise<SetupReport> {
	const warnings: string[] = [];
	const installed: string[] = [];
	const missing = await missingHostPackages();
	const archs = await foreignArchitectures().catch(() => [] as string[]);
	const needArch = !archs.includes(guestArch);
	if (missing.length > 0 || needArch) {
		if (!isRoot()) {
			throw new SetupError(
				`missing host packages: ${missing.join(' ') || '(none)'}${needArch ? `; dpkg has no ${guestArch} architecture` : ''}`,
				installLine(missing, needArch ? guestArch : undefined),
			);
		}
		if (needArch) await run('dpkg', ['--add-architecture', guestArch]);
		const warning = await progress.step('apt-get update', aptUpdate);
		if (warning) warnings.push(warning);
		if (missing.length > 0) {
			await progress.step(`apt-get install ${missing.join(' ')}`, () => aptInstall(missing));
			installed.push(...missing);
		}
		const still = await missingHostPackages();
		if (still.length > 0) throw new SetupError(`still missing after install: ${still.join(' ')}`, installLine(still));
	}
	const debDir = join(cacheDir, 'debs');
	await mkdir(debDir, {recursive: true});
	const packages = await guestPackageList();
	let debs = await cachedGuestDebs(debDir, packages);
	let absent = packages.filter(p => !debs[p]);
	if (absent.length > 0) {
		const download = (): Promise<unknown> => run('apt-get', aptDownloadArgs(absent, guestArch), {cwd: debDir, timeoutMs: 10 * 60_000});
		try {
			await progress.step(`download ${guestArch} ${absent.join(' ')}`, download);
		} catch (error) {
			if (!isRoot()) throw new SetupError(`cannot download ${guestArch} guest packages: ${(error as Error).message.split('\n')[0]}`, installLine([], guestArch));
			const warning = await progress.step('apt-get update', aptUpdate);
			if (warning) warnings.push(warning);
			await progress.step(`download ${guestArch} ${absent.join(' ')}`, download);
		}
		debs = await cachedGuestDebs(debDir, packages);
		absent = packages.filter(p => !debs[p]);
		if (absent.length > 0) throw new SetupError(`guest packages not downloaded: ${absent.join(' ')}`);
	}
	return {installed, guestDebs: debs as Record<string, string>, warnings};
}
