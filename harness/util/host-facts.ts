// Facts about the host a report and a baseline record: kplug's version, QEMU and the cross compiler.
import {readFile} from 'node:fs/promises';
import {GUEST_CC} from '../image/agent.ts';
import {run} from './exec.ts';
import {repoPath} from './paths.ts';

export interface HostFacts {
	qemu: string;
	gcc: string;
	version: string;
}

let memo: Promise<HostFacts> | undefined;

const firstLine = (command: string, args: string[]): Promise<string> =>
	run(command, args).then(r => r.stdout.split('\n')[0]!.trim(), () => 'unknown');

// Read once per process.
export function hostFacts(): Promise<HostFacts> {
	memo ??= (async () => {
		const pkg = JSON.parse(await readFile(repoPath('package.json'), 'utf8')) as {version: string};
		return {qemu: await firstLine('qemu-system-arm', ['--version']), gcc: await firstLine(GUEST_CC, ['--version']), version: pkg.version};
	})();
	return memo;
}
