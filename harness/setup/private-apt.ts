// A private apt configuration in the cache (its own sources list, lists and archives), so kplug can download a
// package from another suite without touching the host's apt setup; the host's apt.conf.d (proxies) still applies.
import {mkdir, rm, stat, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {KplugError, SetupError} from '../util/errors.ts';
import {run} from '../util/exec.ts';
import {sha256File} from '../util/hash.ts';
import type {Progress} from '../util/progress.ts';
import {debianKeyring, hostDebianSources, swappedSourcesList} from './apt-sources.ts';

export interface PrivateApt {
	suite: string;
	// Everything lives below this folder.
	dir: string;
	// The one architecture whose indexes are fetched: dpkg's native one for source packages (linux-source is arch
	// all), armhf for guest userland packages.
	arch: string;
	// The architecture is not dpkg's own: package names are qualified (kmod:armhf).
	foreign?: boolean;
	// Download as root without apt's _apt sandbox (that user cannot enter a root-only cache folder).
	asRoot: boolean;
}

// The private configuration's folder for a suite: <cache>/apt/<suite> for dpkg's native architecture (source
// packages), <cache>/apt/<suite>-<arch> for another (the guest's armhf packages).
export function privateApt(cacheDir: string, suite: string, arch: string, asRoot: boolean, native = true): PrivateApt {
	return {suite, dir: join(cacheDir, 'apt', native ? suite : `${suite}-${arch}`), arch, asRoot, ...(native ? {} : {foreign: true})};
}

// Folders and files the configuration needs, relative to its folder (empty parts and status shadow the host's).
export function privateAptFiles(sourcesList: string): {dirs: string[]; files: Record<string, string>} {
	return {
		dirs: ['sources.list.d', 'preferences.d', 'lists/partial', 'cache', 'archives/partial', 'debs'],
		files: {'sources.list': sourcesList, status: ''},
	};
}

// The -o options that point apt at the private folder instead of /etc/apt's sources and /var's state.
export function privateAptOptions(apt: PrivateApt): string[] {
	const at = (path: string): string => join(apt.dir, path);
	const options = [
		`Dir::Etc::SourceList=${at('sources.list')}`,
		`Dir::Etc::SourceParts=${at('sources.list.d')}`,
		`Dir::Etc::Preferences=${at('preferences')}`,
		`Dir::Etc::PreferencesParts=${at('preferences.d')}`,
		`Dir::State=${apt.dir}`,
		`Dir::State::Lists=${at('lists')}`,
		`Dir::State::status=${at('status')}`,
		`Dir::Cache=${at('cache')}`,
		`Dir::Cache::Archives=${at('archives')}`,
		`APT::Architectures=${apt.arch}`,
		'Acquire::Languages=none',
		...(apt.asRoot ? ['APT::Sandbox::User=root'] : []),
	];
	return options.flatMap(o => ['-o', o]);
}

const qualified = (apt: PrivateApt, pkg: string): string => (apt.foreign ? `${pkg}:${apt.arch}` : pkg);

// apt-get update of the private indexes only.
export function privateUpdateArgs(apt: PrivateApt): string[] {
	return [...privateAptOptions(apt), 'update'];
}

// apt-cache show of the candidate version (its index record carries Version, Size and SHA256).
export function privateShowArgs(apt: PrivateApt, pkg: string): string[] {
	return [...privateAptOptions(apt), 'show', '--no-all-versions', qualified(apt, pkg)];
}

// apt-get download of one exact version (into the working folder: <dir>/debs).
export function privateDownloadArgs(apt: PrivateApt, pkg: string, version: string): string[] {
	return [...privateAptOptions(apt), 'download', `${qualified(apt, pkg)}=${version}`];
}

export interface IndexRecord {
	package: string;
	version: string;
	architecture: string;
	size: number;
	sha256: string;
	filename: string;
}

// The first record of apt-cache show output, or undefined when a field kplug relies on is missing.
export function parseIndexRecord(text: string): IndexRecord | undefined {
	const stanza = text.split(/\n\s*\n/)[0] ?? '';
	const field = (name: string): string | undefined => new RegExp(`^${name}: *(.+)$`, 'm').exec(stanza)?.[1]?.trim();
	const [pkg, version, architecture, size, sha256, filename] = ['Package', 'Version', 'Architecture', 'Size', 'SHA256', 'Filename'].map(field);
	if (!pkg || !version || !architecture || !size || !/^\d+$/.test(size) || !sha256 || !/^[0-9a-f]{64}$/.test(sha256) || !filename) return undefined;
	return {package: pkg, version, architecture, size: Number(size), sha256, filename};
}

// The file name apt-get download gives a package (an epoch's colon is written %3a).
export function downloadedDebName(record: Pick<IndexRecord, 'package' | 'version' | 'architecture'>): string {
	return `${record.package}_${record.version.replace(/:/g, '%3a')}_${record.architecture}.deb`;
}

export interface UpdateProblems {
	// An index whose size did not match its Release file (the mirror is mid-sync): worth a retry.
	syncInProgress: string[];
	// The suite is not on the mirror (no Release file / 404).
	missingSuite: string[];
	// The Release file is not signed by a key in the keyring.
	unverified: string[];
	other: string[];
}

// Sort apt-get update's error lines by what kplug does about them.
export function classifyUpdateOutput(output: string): UpdateProblems {
	const problems: UpdateProblems = {syncInProgress: [], missingSuite: [], unverified: [], other: []};
	for (const raw of output.split('\n')) {
		const line = raw.trim();
		if (!/^(E|W|Err):/.test(line)) continue;
		if (/Mirror sync in progress|File has unexpected size|Hash Sum mismatch/.test(line)) problems.syncInProgress.push(line);
		else if (/does not have a Release file|404\s+Not Found/.test(line)) problems.missingSuite.push(line);
		else if (/NO_PUBKEY|signatures couldn't be verified|is not signed|EXPKEYSIG|The following signatures were invalid/.test(line)) problems.unverified.push(line);
		else if (/^E:/.test(line) && !/Some index files failed to download/.test(line)) problems.other.push(line);
	}
	return problems;
}

// Write the private configuration for a suite (sources list from the host's mirrors with the suite swapped).
export async function writePrivateApt(apt: PrivateApt, sourcesList: string): Promise<void> {
	const {dirs, files} = privateAptFiles(sourcesList);
	for (const d of dirs) await mkdir(join(apt.dir, d), {recursive: true});
	for (const [name, text] of Object.entries(files)) await writeFile(join(apt.dir, name), text);
}

const aptEnv = {DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C'};

// apt-get update through the private configuration: a mirror mid-sync gets one retry after `retryDelayMs`, then a
// warning (returned; older lists may still do); a missing suite or an unverifiable Release is one clear error.
export async function updatePrivateIndexes(apt: PrivateApt, options: {retryDelayMs?: number; signal?: AbortSignal; keyrings?: readonly string[]} = {}): Promise<string | undefined> {
	for (let attempt = 1; ; attempt++) {
		const result = await run('apt-get', privateUpdateArgs(apt), {timeoutMs: 10 * 60_000, env: aptEnv, okExitCodes: [100], ...(options.signal ? {signal: options.signal} : {})});
		const problems = classifyUpdateOutput(`${result.stdout}\n${result.stderr}`);
		if (problems.missingSuite.length > 0) throw new SetupError(`suite ${apt.suite} is not on the host's Debian mirror (${problems.missingSuite[0]})`);
		if (problems.unverified.length > 0) {
			const keyrings = options.keyrings?.length ? options.keyrings.join(', ') : "the host's keyrings";
			throw new SetupError(`the ${apt.suite} Release file is not signed by a key in ${keyrings} (${problems.unverified[0]}); a newer debian-archive-keyring has the key`);
		}
		if (problems.syncInProgress.length > 0) {
			if (attempt === 1) {
				await new Promise(resolve => setTimeout(resolve, options.retryDelayMs ?? 30_000));
				continue;
			}
			return `apt index for ${apt.suite} still failing after a retry (mirror sync in progress?): ${problems.syncInProgress[0]}`;
		}
		if (result.exitCode !== 0) throw new KplugError(`apt-get update for ${apt.suite} failed (exit ${result.exitCode}): ${problems.other[0] ?? result.stderr.trim().split('\n').pop() ?? ''}`);
		return undefined;
	}
}

// The candidate index record of a package in the private configuration, or one clear error naming the suite.
export async function privateIndexRecord(apt: PrivateApt, pkg: string): Promise<IndexRecord> {
	const result = await run('apt-cache', privateShowArgs(apt, pkg), {env: aptEnv, okExitCodes: [100]});
	const record = result.exitCode === 0 ? parseIndexRecord(result.stdout) : undefined;
	if (!record) throw new SetupError(`package ${pkg} is not in ${apt.suite} on the host's Debian mirror${result.stderr.trim() ? ` (${result.stderr.trim().split('\n')[0]})` : ''}`);
	return record;
}

// apt-get download of one version into `into` (default <dir>/debs); returns the .deb's path (checked by the caller).
export async function downloadPrivate(apt: PrivateApt, record: IndexRecord, signal?: AbortSignal, into = join(apt.dir, 'debs')): Promise<string> {
	await run('apt-get', privateDownloadArgs(apt, record.package, record.version), {cwd: into, timeoutMs: 60 * 60_000, env: aptEnv, ...(signal ? {signal} : {})});
	return join(into, downloadedDebName(record));
}

// "trixie" for source packages, "trixie armhf" for the guest's: how messages name the configuration.
const suiteLabel = (apt: PrivateApt): string => (apt.foreign ? `${apt.suite} ${apt.arch}` : apt.suite);

// Write the private configuration from the host's Debian sources with the suite swapped and update its indexes (a
// mirror still mid-sync after the retry is shown as a warning: older lists may do). Returns the mirrors it uses.
export async function openPrivateApt(apt: PrivateApt, progress: Progress, signal?: AbortSignal): Promise<string[]> {
	const sources = await hostDebianSources();
	await writePrivateApt(apt, swappedSourcesList(sources, apt.suite, debianKeyring));
	const keyrings = [...new Set(sources.map(s => s.signedBy ?? debianKeyring))];
	const warning = await progress.step(`apt-get update (private, ${suiteLabel(apt)})`, () => updatePrivateIndexes(apt, {keyrings, ...(signal ? {signal} : {})}));
	if (warning) progress.info(warning);
	return sources.flatMap(s => s.uris);
}

// Download one version (downloadPrivate) and check it against its index record, size then SHA256: a mismatch removes
// the file and is one error naming the package, the suite and both sides.
export async function downloadVerified(apt: PrivateApt, record: IndexRecord, signal?: AbortSignal, into?: string): Promise<string> {
	return verifyDownloaded(apt, record, await downloadPrivate(apt, record, signal, into));
}

export async function verifyDownloaded(apt: PrivateApt, record: IndexRecord, downloaded: string): Promise<string> {
	const size = (await stat(downloaded).catch(() => undefined))?.size;
	const sha = size === record.size ? await sha256File(downloaded) : undefined;
	if (sha !== record.sha256) {
		await rm(downloaded, {force: true});
		throw new KplugError(`${record.package} ${record.version} (${suiteLabel(apt)}): the downloaded .deb does not match the index (${size ?? 'no'} bytes, sha256 ${sha?.slice(0, 12) ?? '-'}; index: ${record.size} bytes, sha256 ${record.sha256.slice(0, 12)})`);
	}
	return downloaded;
}
