import test from 'ava';
import {unmeasuredLine} from '../../../harness/cli/memory-job.ts';
import type {MemoryRow} from '../../../harness/report/schema.ts';

const measured: MemoryRow = {design: 'weak', profile: 'thumb2', cpu: 'neon', situation: 'loaded', archResident: true, archCoreSize: 9212, archVmallocBytes: 16384, archVmallocPages: 3, memAvailableMedianKb: 213040, boots: 5};
const lost: MemoryRow = {design: 'mainline', profile: 'arm', cpu: 'noneon', situation: 'skipped', archResident: false, archCoreSize: undefined, archVmallocBytes: undefined, archVmallocPages: undefined, memAvailableMedianKb: undefined, boots: 0, notes: ['no agent ready within 60000 ms', 'second']};

test('unmeasuredLine: every configuration measured is no line (exit 0)', t => {
	t.is(unmeasuredLine({rows: [measured, {...measured, situation: 'skipped'}], comparisons: []}), undefined);
});

test('unmeasuredLine: a configuration without one measured boot is named with its first error (exit 1)', t => {
	const line = unmeasuredLine({rows: [measured, lost, {...lost, situation: 'absent', notes: undefined}], comparisons: []});
	t.is(line, 'memory: 2 of 3 configuration situations could not be measured (no boot succeeded): mainline/arm/noneon skipped (no agent ready within 60000 ms); mainline/arm/noneon absent');
});
