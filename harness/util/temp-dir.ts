// Work in a fresh temporary folder that goes when the work ends, whether it succeeds, fails or is interrupted.
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

// `work` in $TMPDIR/kplug-<label>-XXXXXX, removed in finally.
export async function inTempDir<T>(label: string, work: (dir: string) => Promise<T>): Promise<T> {
	const dir = await mkdtemp(join(tmpdir(), `kplug-${label}-`));
	try {
		return await work(dir);
	} finally {
		await rm(dir, {recursive: true, force: true});
	}
}
