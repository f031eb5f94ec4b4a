// What every build step needs: where the cache is, how many jobs, how to report progress.
import {availableParallelism} from 'node:os';
import {join} from 'node:path';
import {run} from '../util/exec.ts';
import {SetupError} from '../util/errors.ts';
import type {Progress} from '../util/progress.ts';

export const crossCompile = 'arm-linux-gnueabihf-';

export interface BuildContext {
	cacheDir: string;
	jobs: number;
	progress: Progress;
	useCcache: boolean;
	// The command's interrupt (one AbortController per command): handed to every build, VM and worker pool.
	signal?: AbortSignal;
	// The guest .deb per package (setup.ts runSetup's guestDebs), for the images guests boot from. Set by the commands
	// that boot guests, which run setup once before any guest work (cli/guest-context.ts); builds alone do without.
	guestDebs?: Record<string, string>;
}

// A build context with defaults (jobs = cores).
export function buildContext(cacheDir: string, progress: Progress, signal?: AbortSignal): BuildContext {
	return {cacheDir, jobs: availableParallelism(), progress, useCcache: true, ...(signal ? {signal} : {})};
}

let toolchainMemo: Promise<string> | undefined;

// First line of the cross compiler's --version (part of every cache key).
export function toolchainVersion(): Promise<string> {
	toolchainMemo ??= run(`${crossCompile}gcc`, ['--version'])
		.then(result => result.stdout.split('\n')[0]!.trim())
		.catch(() => {
			throw new SetupError(`${crossCompile}gcc not found`, 'apt-get install -y gcc-arm-linux-gnueabihf');
		});
	return toolchainMemo;
}

// Folder for build logs that survive a failed build.
export function logDir(ctx: BuildContext): string {
	return join(ctx.cacheDir, 'logs');
}
