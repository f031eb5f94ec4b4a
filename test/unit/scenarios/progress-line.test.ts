import test from 'ava';
import {cellProgressLine} from '../../../harness/scenarios/runner.ts';

const cell = {cellKey: 'weak/thumb2/neon/arch-first', status: 'completed' as const, durationMs: 2100};

test('progress line: done/total, status, errors so far and an ETA from the pace so far', t => {
	t.is(cellProgressLine(10, 40, cell, 0, 20_000), 'cell 10/40 weak/thumb2/neon/arch-first: completed in 2.1s — 0 errors so far, ETA 1m00s');
	t.is(cellProgressLine(3, 4, {...cell, status: 'error', error: {class: 'boot-timeout', message: 'x'}}, 1, 3_000), 'cell 3/4 weak/thumb2/neon/arch-first: error (boot-timeout) in 2.1s — 1 error so far, ETA 1s');
	t.regex(cellProgressLine(4, 4, cell, 2, 9_000), /— 2 errors so far, done$/);
});
