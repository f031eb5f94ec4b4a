// Temporary folders for tests, removed when the test (or the file's tests) end, so `npm test` leaves nothing
// in the temp folder (the bootstrap checks). KPLUG_KEEP_TEMP=1 keeps them, to read a failing test's logs.
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

// What removal needs of an AVA execution context (a test's `t`).
export interface Teardown {
	teardown(fn: () => Promise<void> | void): void;
}

export const keepTemp = process.env['KPLUG_KEEP_TEMP'] === '1';

// Remove a folder unless KPLUG_KEEP_TEMP=1 asks to keep it.
export async function removeTemp(dir: string): Promise<void> {
	if (!keepTemp) await rm(dir, {recursive: true, force: true});
}

// A fresh folder `kplug-<label>-XXXXXX`, removed when test `t` ends.
export async function tempDir(t: Teardown, label: string): Promise<string> {
	const dir = await mkdtemp(join(tmpdir(), `kplug-${label}-`));
	t.teardown(() => removeTemp(dir));
	return dir;
}

// Folders made outside a test (in `test.before`, or at module level), removed by the file's `test.after.always`:
// `const temps = fileTemps(); test.after.always(temps.remove);` then `await temps.make('label')`.
export function fileTemps(): {make(label: string): Promise<string>; remove(): Promise<void>} {
	const dirs: string[] = [];
	return {
		async make(label) {
			const dir = await mkdtemp(join(tmpdir(), `kplug-${label}-`));
			dirs.push(dir);
			return dir;
		},
		async remove() {
			await Promise.all(dirs.splice(0).map(removeTemp));
		},
	};
}
