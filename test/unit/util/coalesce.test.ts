import test from 'ava';
import {coalesced} from '../../../harness/util/coalesce.ts';

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms));

// Wait until a condition holds (polling), or fail after a generous bound: no assertion depends on how fast a
// loaded machine runs timers.
async function until(condition: () => boolean, boundMs = 10_000): Promise<void> {
	const started = performance.now();
	while (!condition()) {
		if (performance.now() - started > boundMs) throw new Error('condition not met in time');
		await sleep(5);
	}
}

// A run the test finishes by hand.
function gate(): {wait: Promise<void>; open: () => void} {
	let open!: () => void;
	const wait = new Promise<void>(resolve => (open = resolve));
	return {wait, open};
}

test('pokes during a run fold into one more run; runs never overlap', async t => {
	const gates = [gate(), gate(), gate()];
	let runs = 0;
	let inside = 0;
	let overlapped = false;
	const c = coalesced(async () => {
		const g = gates[runs++]!;
		inside++;
		if (inside > 1) overlapped = true;
		await g.wait;
		inside--;
	}, () => 0);
	c.poke();
	await until(() => runs === 1);
	for (let i = 0; i < 10; i++) c.poke();
	gates[0]!.open();
	await until(() => runs === 2);
	gates[1]!.open();
	await sleep(50);
	t.is(runs, 2, 'ten pokes during the first run made one more run');
	t.false(overlapped);
	await c.stop();
});

test('a run waits the gap after the previous one; stop() drops the pending run without sitting out the gap', async t => {
	let runs = 0;
	const c = coalesced(async () => {
		runs++;
	}, () => 60_000);
	c.poke();
	await until(() => runs === 1);
	c.poke();
	await sleep(100);
	t.is(runs, 1, 'the second run waits for its gap');
	const stopping = performance.now();
	await c.stop();
	t.true(performance.now() - stopping < 30_000, 'stop() did not sit out the 60 s gap');
	c.poke();
	await sleep(50);
	t.is(runs, 1, 'the dropped run never ran, and nothing runs after stop()');
});

test('stop() waits for the run in progress', async t => {
	const g = gate();
	let finished = false;
	const c = coalesced(async () => {
		await g.wait;
		finished = true;
	}, () => 0);
	c.poke();
	await sleep(10);
	const stopped = c.stop();
	setTimeout(g.open, 50);
	await stopped;
	t.true(finished);
});

test('a failed run, even one that throws before it is a promise, does not stop the next one', async t => {
	let calls = 0;
	const c = coalesced(() => {
		calls++;
		if (calls === 1) throw new Error('disk full');
		return Promise.resolve();
	}, () => 0);
	c.poke();
	await until(() => calls === 1);
	await sleep(10);
	c.poke();
	await until(() => calls === 2);
	t.is(calls, 2);
	await c.stop();
});

test('the gap is computed from the last run\'s duration', async t => {
	const seen: number[] = [];
	let runs = 0;
	const c = coalesced(async () => {
		runs++;
		await sleep(20);
	}, last => {
		seen.push(last);
		return 0;
	});
	c.poke();
	await until(() => runs === 1);
	c.poke();
	await until(() => runs === 2);
	await c.stop();
	// The first gap follows no run (0); the second follows a run of at least the 20 ms it slept.
	t.is(seen[0], 0);
	t.true(seen.some(ms => ms >= 19), JSON.stringify(seen));
});
