// apt-get, apt-cache and dpkg: pure argument builders and runners.
import {run} from '../util/exec.ts';

// apt-get install line for missing packages (also what a non-root user is told to run).
export function aptInstallArgs(packages: readonly string[]): string[] {
	return ['install', '-y', '--no-install-recommends', ...packages];
}

// apt-get download arguments for guest packages of a foreign architecture.
export function aptDownloadArgs(packages: readonly string[], arch: string): string[] {
	return ['-o', 'APT::Sandbox::User=root', 'download', ...packages.map(p => `${p}:${arch}`)];
}

// The one line a non-root user should run.
export function installLine(packages: readonly string[], arch?: string): string {
	const pre = arch ? `sudo dpkg --add-architecture ${arch} && ` : '';
	const install = packages.length > 0 ? ` && sudo apt-get ${aptInstallArgs(packages).join(' ')}` : '';
	return `${pre}sudo apt-get update${install}`;
}

// apt-get update; a non-zero exit (one index mid-sync) is only a warning: install decides.
export async function aptUpdate(): Promise<string | undefined> {
	try {
		await run('apt-get', ['update'], {timeoutMs: 10 * 60_000, env: {DEBIAN_FRONTEND: 'noninteractive'}});
		return undefined;
	} catch (error) {
		return `apt-get update reported a problem (continuing): ${(error as Error).message.split('\n')[0]}`;
	}
}

// apt-get install, non-interactive.
export async function aptInstall(packages: readonly string[]): Promise<void> {
	await run('apt-get', aptInstallArgs(packages), {timeoutMs: 30 * 60_000, env: {DEBIAN_FRONTEND: 'noninteractive'}});
}

// Foreign architectures dpkg knows about.
export async function foreignArchitectures(): Promise<string[]> {
	const result = await run('dpkg', ['--print-foreign-architectures']);
	return result.stdout.split('\n').map(s => s.trim()).filter(Boolean);
}
