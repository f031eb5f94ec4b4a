// Which failures of a restored cell are the saved state's (re-run cold) and which are the cell's own.
import test from 'ava';
import {restoreFault} from '../../../harness/scenarios/cell.ts';

test('a restored cell that fails in its own steps is not re-run: that failure is the cell\'s', t => {
	t.true(restoreFault({status: 'error', error: {class: 'kernel-crash', message: 'oops'}}, false));
	t.true(restoreFault({status: 'error', error: {class: 'qemu-exited', message: 'x'}}, false));
	// A crash in the first step, still running (so not yet in the observation's steps), is the cell's own.
	t.false(restoreFault({status: 'error', error: {class: 'kernel-crash', message: 'oops'}}, true), 'once a step began: the cell\'s own crash');
	t.false(restoreFault({status: 'error', error: {class: 'agent-request', message: 'EACCES'}}, false), 'an agent\'s answer is not a broken guest');
	t.false(restoreFault({status: 'completed'}, false));
});
