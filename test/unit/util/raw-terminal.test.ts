import test from 'ava';
import {EventEmitter} from 'node:events';
import {rawTerminal} from '../../../harness/util/raw-terminal.ts';

function fakeInput(isTTY: boolean) {
	const modes: boolean[] = [];
	return {modes, input: {isTTY, setRawMode: (mode: boolean) => modes.push(mode)}};
}

test('a terminal goes raw and comes back once, however often restore runs', t => {
	const {modes, input} = fakeInput(true);
	const exit = new EventEmitter();
	const restore = rawTerminal(input, exit);
	t.deepEqual(modes, [true]);
	restore();
	restore();
	exit.emit('exit');
	t.deepEqual(modes, [true, false]);
	t.is(exit.listenerCount('exit'), 0);
});

test('a process that exits without restoring (a signal, process.exit) restores the terminal on its way out', t => {
	const {modes, input} = fakeInput(true);
	const exit = new EventEmitter();
	rawTerminal(input, exit);
	exit.emit('exit');
	t.deepEqual(modes, [true, false]);
});

test('a pipe is left alone', t => {
	const {modes, input} = fakeInput(false);
	const exit = new EventEmitter();
	rawTerminal(input, exit)();
	t.deepEqual(modes, []);
	t.is(exit.listenerCount('exit'), 0);
});

test('a terminal that is gone by the time of restoring is no crash', t => {
	const exit = new EventEmitter();
	const restore = rawTerminal({isTTY: true, setRawMode: mode => {
		if (!mode) throw new Error('EIO');
	}}, exit);
	t.notThrows(restore);
});
