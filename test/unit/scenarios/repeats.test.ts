// --repeat N: the order runs are made in, the tally an interrupted run reports, and the line that says it.
import test from 'ava';
import {repeatsLine} from '../../../harness/report/cell-sections.ts';
import {cellKey} from '../../../harness/scenarios/config-key.ts';
import {expandMatrix} from '../../../harness/scenarios/matrix.ts';
import {flakesOf, repeatTally, repeatTasks} from '../../../harness/scenarios/runner.ts';

test('repeats run round after round: every cell once, then every cell again', async t => {
	const cells = await expandMatrix({designs: ['weak'], profiles: ['thumb2'], cpus: ['neon'], scenarios: ['arch-first', 'no-arch', 'rmmod']});
	t.is(cells.length, 3);
	const tasks = repeatTasks(cells, 3);
	t.deepEqual(tasks.map(x => `${x.round}:${x.id.scenario}`), ['1:arch-first', '1:no-arch', '1:rmmod', '2:arch-first', '2:no-arch', '2:rmmod', '3:arch-first', '3:no-arch', '3:rmmod']);
	t.deepEqual(repeatTasks(cells, 1).map(x => x.round), [1, 1, 1]);
});

test('the tally: whole rounds are 1..k with every cell finished; an interrupt inside a round leaves the rounds before it', async t => {
	const cells = await expandMatrix({designs: ['weak'], profiles: ['thumb2'], cpus: ['neon'], scenarios: ['arch-first', 'no-arch']});
	const [a, b] = cells.map(cellKey) as [string, string];
	const tally = (done: Record<string, number[]>, asked: number, runs: number) => repeatTally(cells, new Map(Object.entries(done).map(([k, r]) => [k, new Set(r)])), asked, runs);
	t.deepEqual(tally({[a]: [1, 2, 3], [b]: [1, 2, 3]}, 3, 6), {asked: 3, completeRounds: 3, runs: 6});
	t.deepEqual(tally({[a]: [1, 2], [b]: [1]}, 5, 3), {asked: 5, completeRounds: 1, runs: 3});
	t.deepEqual(tally({[a]: [1]}, 5, 1), {asked: 5, completeRounds: 0, runs: 1}, 'a cell that never ran: no whole round');
	// Few cells on two workers: a cell's round 2 may finish while the interrupt stops its round 1 (or another's round 2).
	t.deepEqual(tally({[a]: [2], [b]: [1, 2]}, 5, 3), {asked: 5, completeRounds: 0, runs: 3}, 'a later round does not stand in for round 1');
	t.deepEqual(tally({[a]: [1, 3], [b]: [1, 2, 3]}, 5, 5), {asked: 5, completeRounds: 1, runs: 5}, 'nor round 3 for round 2');
});

test('flakes: cells whose runs ended more than one way, with how many ended each way', t => {
	const outcomes = new Map([['a', ['x', 'y', 'x']], ['b', ['z', 'z']], ['c', ['w']]]);
	t.deepEqual(flakesOf(['a', 'b', 'c'], outcomes), [{cellKey: 'a', outcomes: ['x', 'y'], counts: [2, 1]}]);
	t.deepEqual(flakesOf(['b', 'c'], outcomes), []);
});

test('the repeats line says whole rounds, or where the run stopped', t => {
	t.is(repeatsLine({asked: 20, completeRounds: 20, runs: 6240}), 'repeats: 20 rounds of every cell, 6240 runs in all, each round from boots of its own');
	t.is(repeatsLine({asked: 20, completeRounds: 12, runs: 3900}), 'repeats: 12 of 20 rounds whole (round 13 unfinished), 3900 runs in all, each round from boots of its own');
});
