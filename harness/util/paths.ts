// Where things live: the repo, the cache and the output folder.
import {homedir} from 'node:os';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

// Absolute path inside the repository.
export function repoPath(...parts: string[]): string {
	return resolve(here, '..', '..', ...parts);
}

// The cache root: --cache, else $XDG_CACHE_HOME/kplug, else ~/.cache/kplug.
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
	if (env['KPLUG_CACHE']) return resolve(env['KPLUG_CACHE']);
	const xdg = env['XDG_CACHE_HOME'];
	return xdg ? join(xdg, 'kplug') : join(homedir(), '.cache', 'kplug');
}

// The default output folder for runs: ./out in the repo.
export function defaultOutDir(): string {
	return repoPath('out');
}
