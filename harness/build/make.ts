// make for the kernel tree: pure argument builders and one runner.
import {readFile} from 'node:fs/promises';
import {interruption, ToolFailure} from '../util/errors.ts';
import {run, type RunOptions} from '../util/exec.ts';

export interface KernelMakeConfig {
	source: string;
	outDir: string;
	jobs: number;
	crossCompile: string;
	useCcache: boolean;
}

// Common make arguments: ARCH, CROSS_COMPILE (with ccache), O=, -j.
export function kernelMakeArgs(cfg: KernelMakeConfig, targets: readonly string[]): string[] {
	return [
		'-C', cfg.source,
		`O=${cfg.outDir}`,
		'ARCH=arm',
		`CROSS_COMPILE=${cfg.crossCompile}`,
		...(cfg.useCcache ? [`CC=ccache ${cfg.crossCompile}gcc`] : []),
		`-j${cfg.jobs}`,
		...targets,
	];
}

// make arguments for an out-of-tree module folder (M=).
export function moduleMakeArgs(cfg: KernelMakeConfig, moduleDir: string, extra: readonly string[] = []): string[] {
	return [...kernelMakeArgs(cfg, []), `M=${moduleDir}`, ...extra, 'modules'];
}

// Environment for make: ccache rooted at the cache so absolute paths still hit.
export function makeEnv(ccacheDir: string, baseDir: string): Record<string, string> {
	return {CCACHE_DIR: ccacheDir, CCACHE_BASEDIR: baseDir, KBUILD_BUILD_TIMESTAMP: '2019-10-04', KBUILD_BUILD_USER: 'kplug', KBUILD_BUILD_HOST: 'kplug'};
}

// Run make, logging to a file; failure messages carry the compiler's error lines.
export async function runMake(argv: readonly string[], options: RunOptions & {logFile: string}): Promise<void> {
	try {
		await run('make', argv, {...options, detached: true, tailLines: 40});
	} catch (error) {
		// Stopped by the command's interrupt: not a build failure (the group was killed with make).
		if (options.signal?.aborted) throw interruption(options.signal, 'make');
		if (!(error instanceof ToolFailure)) throw error;
		const log = await readFile(options.logFile, 'utf8').catch(() => '');
		const lines = compilerErrorLines(log);
		const why = error.data.timedOut ? 'timed out' : `failed (exit ${error.data.exitCode ?? error.data.signal})`;
		throw new ToolFailure(`make ${why}; full log: ${options.logFile}`, {
			...error.data,
			outputTail: lines.length > 0 ? lines.join('\n') : error.data.outputTail,
		});
	}
}

// The compiler's and make's error lines from a build log (with a little context).
export function compilerErrorLines(log: string, max = 30): string[] {
	const lines = log.split('\n');
	const picked: string[] = [];
	for (const [i, line] of lines.entries()) {
		if (/\berror: |\] Error \d+|undefined!|ERROR:|undefined reference to/.test(line)) {
			if (i > 0 && /: note:|In function|^\s+\d+ \|/.test(lines[i - 1] ?? '') && !picked.includes(lines[i - 1]!)) picked.push(lines[i - 1]!);
			picked.push(line);
		}
	}
	return picked.slice(0, max);
}
