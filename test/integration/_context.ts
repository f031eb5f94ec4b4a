// Shared set-up for integration tests: the real cache, quiet progress, and a per-test log folder.
import {buildContext, type BuildContext} from '../../harness/build/context.ts';
import {runSetup} from '../../harness/setup/setup.ts';
import {defaultCacheDir} from '../../harness/util/paths.ts';
import {createProgress} from '../../harness/util/progress.ts';
import {run} from '../../harness/util/exec.ts';
import {tempDir, type Teardown} from '../_temp.ts';

// The build context integration tests share (the same cache `npm test` built into).
export function testContext(): BuildContext {
	return buildContext(defaultCacheDir(), createProgress({quiet: true}));
}

// The context of tests that boot guests: setup's guest packages in it, as a command that boots guests passes them.
export async function testGuestContext(): Promise<BuildContext> {
	const ctx = testContext();
	return {...ctx, guestDebs: (await runSetup(ctx.cacheDir, ctx.progress)).guestDebs};
}

// A fresh folder for a test's logs (kplug-it-<label>-XXXXXX), removed when test `t` ends (KPLUG_KEEP_TEMP=1 keeps it).
export function logDir(t: Teardown, label: string): Promise<string> {
	return tempDir(t, `it-${label}`);
}

// PIDs of qemu-system-arm processes whose parent is this process (ours), if any are left.
export async function ourQemus(): Promise<number[]> {
	const result = await run('ps', ['-eo', 'pid=,ppid=,comm='], {okExitCodes: [1]});
	return result.stdout
		.split('\n')
		.map(line => line.trim().split(/\s+/))
		.filter(([, ppid, comm]) => comm === 'qemu-system-arm' && Number(ppid) === process.pid)
		.map(([pid]) => Number(pid));
}
