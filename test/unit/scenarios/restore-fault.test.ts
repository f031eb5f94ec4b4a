// Which failures of a restored cell are the saved state's (re-run cold) and which are the cell's own.
import test from 'ava';
import {restoreFault} from '../../../harness/scenarios/cell.ts';

test('a restored cell that fails in its own steps is not re-run: that failure is the cell\'s', t => {
	const step = {label: 'insmod arch', tool: 'kmod', exitCode: 0} as never;
	t.true(restoreFault({status: 'error', error: {class: 'kernel-crash', message: 'oops'}, steps: [], probes: []}));
	t.true(restoreFault({status: 'error', error: {class: 'qemu-exited', message: 'x'}, steps: [], probes: []}));
	t.false(restoreFault({status: 'error', error: {class: 'kernel-crash', message: 'oops'}, steps: [step], probes: []}), 'after a step: the cell\'s own crash');
	t.false(restoreFault({status: 'error', error: {class: 'agent-request', message: 'EACCES'}, steps: [], probes: []}), 'an agent\'s answer is not a broken guest');
	t.false(restoreFault({status: 'completed', steps: [], probes: []}));
});
