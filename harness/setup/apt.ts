// apt-get, apt-cache and dpkg: pure argument builders and runners.
import {run} from '../util/exec.ts';
import {classifyUpdateOutput} from './private-apt.ts';

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

// The host's apt-get update. An index the mirror is still syncing ("File has unexpected size … Mirror sync in
// progress?") gets one retry after `retryDelayMs`; what still fails then is a warning (returned), never a failure:
// the install or download that follows decides.
export async function aptUpdate(options: {retryDelayMs?: number} = {}): Promise<string | undefined> {
	for (let attempt = 1; ; attempt++) {
		let output: string;
		let exitCode: number | undefined;
		try {
			const result = await run('apt-get', ['update'], {timeoutMs: 10 * 60_000, env: {DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C'}, okExitCodes: [100]});
			output = `${result.stdout}\n${result.stderr}`;
			exitCode = result.exitCode;
		} catch (error) {
			return `apt-get update reported a problem (continuing): ${(error as Error).message.split('\n')[0]}`;
		}
		const problems = classifyUpdateOutput(output);
		if (problems.syncInProgress.length > 0 && attempt === 1) {
			await new Promise(resolve => setTimeout(resolve, options.retryDelayMs ?? 30_000));
			continue;
		}
		if (problems.syncInProgress.length > 0) return `apt-get update: an index still failing after a retry (mirror sync in progress?), continuing: ${problems.syncInProgress[0]}`;
		const line = [...problems.missingSuite, ...problems.unverified, ...problems.other][0];
		if (exitCode !== 0 || line) return `apt-get update reported a problem (continuing): ${line ?? `exit ${exitCode}`}`;
		return undefined;
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
