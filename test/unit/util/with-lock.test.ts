import test from 'ava';
import {readdir} from 'node:fs/promises';
import {join} from 'node:path';
import {withLock} from '../../../harness/util/atomic.ts';
import {tempDir} from '../../_temp.ts';

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms));

test('withLock: two holders of the same path take turns, and the lock file is gone afterwards', async t => {
	const dir = await tempDir(t, 'lock');
	const path = join(dir, 'staging', 'thumb2-weak');
	const events: string[] = [];
	const holder = (name: string) => withLock(path, async () => {
		events.push(`${name} in`);
		await sleep(50);
		events.push(`${name} out`);
		return name;
	}, {info: () => undefined});
	t.deepEqual(await Promise.all([holder('a'), holder('b')]), ['a', 'b']);
	// Whoever gets the lock first (both start at once; on a loaded machine either may), the two never overlap.
	const first = events[0]?.split(' ')[0] ?? '?';
	const second = first === 'a' ? 'b' : 'a';
	t.deepEqual(events, [`${first} in`, `${first} out`, `${second} in`, `${second} out`]);
	t.deepEqual(await readdir(join(dir, 'staging')), []);
});

test('withLock: a failing holder releases the lock for the next one', async t => {
	const dir = await tempDir(t, 'lock');
	const path = join(dir, 'x');
	await t.throwsAsync(withLock(path, async () => {
		throw new Error('make failed');
	}), {message: 'make failed'});
	t.is(await withLock(path, async () => 'next'), 'next');
});
