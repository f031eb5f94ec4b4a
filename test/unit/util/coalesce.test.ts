import test from 'ava';
import {coalesced} from '../../../harness/util/coalesce.ts';

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms));

test('pokes during a run fold into one more run; runs never overlap', async t => {
	let runs = 0;
	let inside = 0;
	let overlapped = false;
	const c = coalesced(async () => {
		inside++;
		if (inside > 1) overlapped = true;
		runs++;
		await sleep(30);
		inside--;
	}, () => 0);
	c.poke();
	for (let i = 0; i < 10; i++) c.poke();
	await sleep(150);
	t.is(runs, 2);
	t.false(overlapped);
	await c.stop();
});

test('a run waits the gap after the previous one; stop() drops the pending run and its wait', async t => {
	const starts: number[] = [];
	const c = coalesced(async () => {
		starts.push(performance.now());
	}, () => 200);
	c.poke();
	await sleep(20);
	c.poke();
	await sleep(50);
	t.is(starts.length, 1, 'the second run is still waiting for its gap');
	const stopping = performance.now();
	await c.stop();
	t.true(performance.now() - stopping < 100, 'stop() did not sit out the gap');
	await sleep(250);
	t.is(starts.length, 1, 'the dropped run never ran');
	c.poke();
	await sleep(20);
	t.is(starts.length, 1, 'nothing runs after stop()');
});

test('a failed run does not stop the next one', async t => {
	let calls = 0;
	const c = coalesced(async () => {
		calls++;
		if (calls === 1) throw new Error('disk full');
	}, () => 0);
	c.poke();
	await sleep(10);
	c.poke();
	await sleep(10);
	t.is(calls, 2);
	await c.stop();
});

test('the gap follows the last run\'s duration', async t => {
	const starts: number[] = [];
	const c = coalesced(async () => {
		starts.push(performance.now());
		await sleep(40);
	}, last => last * 2);
	c.poke();
	await sleep(5);
	c.poke();
	await sleep(250);
	t.is(starts.length, 2);
	// The second run started about 2 × 40 ms after the first ended (40 ms in): not before ~115 ms.
	t.true(starts[1]! - starts[0]! >= 110, `${starts[1]! - starts[0]!} ms apart`);
	await c.stop();
});
