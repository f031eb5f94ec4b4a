// Run the kplug CLI as a user would (a child process), for tests of what reaches stdout, stderr and the exit code.
import {execa} from 'execa';
import {repoPath} from '../../../harness/util/paths.ts';

export async function kplugCli(argv: readonly string[], options: {input?: string} = {}): Promise<{exitCode: number; stdout: string; stderr: string}> {
	const result = await execa('node', [repoPath('harness/bin/kplug.mjs'), ...argv], {reject: false, env: {CI: 'true'}, cwd: repoPath(), timeout: 60_000, ...(options.input === undefined ? {} : {input: options.input})});
	return {exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr};
}
