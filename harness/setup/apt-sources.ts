// The host's configured Debian sources (one-line .list and deb822 .sources), read so that a private apt
// configuration reaches another suite through the same mirrors; nothing here names a mirror host.
import {readdir, readFile} from 'node:fs/promises';
import {join} from 'node:path';
import {SetupError} from '../util/errors.ts';

// The keyring used for a host source that names none (apt's own default keys are the same archive keys).
export const debianKeyring = '/usr/share/keyrings/debian-archive-keyring.gpg';

export interface AptSource {
	uris: string[];
	suites: string[];
	components: string[];
	// The keyring the host trusts for this source (signed-by), when it names one.
	signedBy?: string;
	// Where it was read (file:line), for messages.
	from: string;
}

export interface SourcesFile {
	path: string;
	text: string;
}

// One-line format: `deb [opt=value …] URI SUITE COMPONENT…`; deb-src and comments are skipped.
export function parseOneLineSources(file: SourcesFile): AptSource[] {
	const sources: AptSource[] = [];
	for (const [index, raw] of file.text.split('\n').entries()) {
		const line = raw.replace(/#.*/, '').trim();
		const match = /^deb\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)\s*(.*)$/.exec(line);
		if (!match) continue;
		const options = new Map((match[1] ?? '').trim().split(/\s+/).filter(Boolean).map(o => o.split('=') as [string, string]));
		const signedBy = options.get('signed-by');
		sources.push({uris: [match[2]!], suites: [match[3]!], components: match[4]!.split(/\s+/).filter(Boolean), ...(signedBy ? {signedBy} : {}), from: `${file.path}:${index + 1}`});
	}
	return sources;
}

// deb822 format: stanzas separated by blank lines, `Field: value` with continuation lines; `Enabled: no` skips one.
export function parseDeb822Sources(file: SourcesFile): AptSource[] {
	const sources: AptSource[] = [];
	let fields = new Map<string, string>();
	let last: string | undefined;
	let start = 1;
	const flush = (): void => {
		const types = (fields.get('types') ?? '').split(/\s+/);
		if (types.includes('deb') && fields.get('enabled')?.toLowerCase() !== 'no') {
			const list = (name: string): string[] => (fields.get(name) ?? '').split(/\s+/).filter(Boolean);
			const signedBy = fields.get('signed-by')?.trim();
			// An inline key block (several lines) is not a path: keep only a path.
			sources.push({uris: list('uris'), suites: list('suites'), components: list('components'), ...(signedBy && !signedBy.includes('\n') ? {signedBy} : {}), from: `${file.path}:${start}`});
		}
		fields = new Map();
		last = undefined;
	};
	for (const [index, raw] of file.text.split('\n').entries()) {
		if (raw.startsWith('#')) continue;
		if (raw.trim() === '') {
			if (fields.size > 0) flush();
			start = index + 2;
			continue;
		}
		const field = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(raw);
		if (field && !/^\s/.test(raw)) {
			last = field[1]!.toLowerCase();
			fields.set(last, field[2]!.trim());
		} else if (last) {
			fields.set(last, `${fields.get(last)}\n${raw.trim()}`);
		}
	}
	if (fields.size > 0) flush();
	return sources;
}

// The Debian sources of a host on `codename`: those serving the release itself (or its -updates/-backports),
// not the security archive (linux-source is not there).
export function debianSources(sources: readonly AptSource[], codename: string): AptSource[] {
	const ofRelease = (suite: string): boolean => suite === codename || suite === `${codename}-updates` || suite === `${codename}-backports`;
	return sources.filter(s => s.suites.some(ofRelease) && !s.suites.every(suite => suite.endsWith('-security')));
}

// Private sources.list lines for `suite`: the host's Debian mirror URIs (each once), main only, the host's keyring.
export function swappedSourcesList(sources: readonly AptSource[], suite: string, fallbackKeyring: string): string {
	const seen = new Set<string>();
	const lines: string[] = [];
	for (const source of sources) {
		for (const uri of source.uris) {
			if (seen.has(uri)) continue;
			seen.add(uri);
			lines.push(`deb [signed-by=${source.signedBy ?? fallbackKeyring}] ${uri} ${suite} main`);
		}
	}
	return lines.join('\n') + '\n';
}

// The host's sources files: /etc/apt/sources.list and sources.list.d/*.list and *.sources (nothing else there).
export async function readHostSources(etcApt = '/etc/apt'): Promise<AptSource[]> {
	const files: SourcesFile[] = [];
	const read = async (path: string): Promise<void> => {
		const text = await readFile(path, 'utf8').catch(() => undefined);
		if (text !== undefined) files.push({path, text});
	};
	await read(join(etcApt, 'sources.list'));
	for (const name of (await readdir(join(etcApt, 'sources.list.d')).catch(() => [] as string[])).sort()) {
		if (name.endsWith('.list') || name.endsWith('.sources')) await read(join(etcApt, 'sources.list.d', name));
	}
	return files.flatMap(f => (f.path.endsWith('.sources') ? parseDeb822Sources(f) : parseOneLineSources(f)));
}

// The host's release codename from os-release text (VERSION_CODENAME).
export function osCodename(osRelease: string): string | undefined {
	return /^VERSION_CODENAME=["']?([a-z0-9-]+)["']?$/m.exec(osRelease)?.[1];
}

// The host's Debian mirror sources, or one SetupError saying why there are none to swap the suite of.
export async function hostDebianSources(etcApt = '/etc/apt', osReleasePath = '/etc/os-release'): Promise<AptSource[]> {
	const codename = osCodename(await readFile(osReleasePath, 'utf8').catch(() => ''));
	if (!codename) throw new SetupError(`${osReleasePath} names no VERSION_CODENAME: cannot tell which of the host's apt sources are its Debian mirror`);
	const found = debianSources(await readHostSources(etcApt), codename);
	if (found.length === 0) throw new SetupError(`no Debian source for ${codename} (deb, not -security) in ${etcApt}/sources.list or ${etcApt}/sources.list.d/*.{list,sources}: kplug fetches other suites through the host's own mirror`);
	return found;
}
