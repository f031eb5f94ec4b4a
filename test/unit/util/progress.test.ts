import test from 'ava';
import {createProgress, type ProgressStream} from '../../../harness/util/progress.ts';

function fakeStream(isTTY: boolean, columns?: number): ProgressStream & {text: () => string} {
	const chunks: string[] = [];
	return {isTTY, ...(columns ? {columns} : {}), write: (s: string) => chunks.push(s), text: () => chunks.join('')};
}

// What a terminal shows for the bytes: \r to column 0, ESC[K clears to the end of the line, \n a new line.
function screen(bytes: string): string[] {
	const lines: string[] = [''];
	let col = 0;
	for (const token of bytes.match(/\r|\n|\x1b\[K|[^\r\n\x1b]+/g) ?? []) {
		const row = lines.length - 1;
		if (token === '\r') col = 0;
		else if (token === '\n') {
			lines.push('');
			col = 0;
		} else if (token === '\x1b[K') lines[row] = lines[row]!.slice(0, col);
		else {
			lines[row] = lines[row]!.slice(0, col) + token + lines[row]!.slice(col + token.length);
			col += token.length;
		}
	}
	return lines;
}

const env = {};

test('on a TTY: one status line rewritten in place; messages printed meanwhile stay whole above it; the last line ends with a newline', t => {
	const stream = fakeStream(true);
	const progress = createProgress({stream, env});
	progress.status('cell 1/3 weak/thumb2/neon/arch-first: completed in 2.1s — 0 errors so far, ETA 4s');
	progress.info('vectors: 10 vectors per path');
	progress.status('cell 2/3 weak/thumb2/neon/lib-first: error (boot-timeout) in 60.0s — 1 error so far, ETA 31s');
	progress.status('cell 3/3 weak/thumb2/neon/no-arch: completed in 2.0s — 1 error so far, done');
	t.false(stream.text().endsWith('\n'), 'the live line stays open while the job runs');
	progress.end();
	t.true(stream.text().endsWith('\n'));
	t.deepEqual(screen(stream.text()), [
		'[kplug] vectors: 10 vectors per path',
		'cell 3/3 weak/thumb2/neon/no-arch: completed in 2.0s — 1 error so far, done',
		'',
	]);
	progress.end();
	t.true(stream.text().endsWith('done\n'), 'a second end adds nothing');
});

test('on a TTY: a step meanwhile takes the line, then the status comes back under it', async t => {
	const stream = fakeStream(true);
	const progress = createProgress({stream, env});
	progress.status('cell 1/2 x: completed in 1.0s — 0 errors so far, ETA 1s');
	await progress.step('image thumb2-weak', async () => undefined);
	progress.end();
	const shown = screen(stream.text());
	t.regex(shown[0]!, /^✔ image thumb2-weak \(0\.\ds\)$/);
	t.deepEqual(shown.slice(1), ['cell 1/2 x: completed in 1.0s — 0 errors so far, ETA 1s', '']);
});

test('on a TTY: the status line is cut to the terminal width (a wrapped line cannot be rewritten)', t => {
	const stream = fakeStream(true, 20);
	const progress = createProgress({stream, env});
	progress.status('cell 10/312 mainline/thumb2/noneon/arch-first');
	progress.end();
	t.deepEqual(screen(stream.text()), ['cell 10/312 mainli…', '']);
});

test('not a TTY (a pipe, CI): one plain line per status, no carriage returns or escape codes', t => {
	for (const [stream, environment] of [[fakeStream(false), env], [fakeStream(true), {CI: 'true'}]] as const) {
		const progress = createProgress({stream, env: environment});
		progress.status('cell 1/2 a: completed in 1.0s — 0 errors so far, ETA 1s');
		progress.info('between');
		progress.status('cell 2/2 b: completed in 1.0s — 0 errors so far, done');
		progress.end();
		t.is(stream.text(), '[kplug] cell 1/2 a: completed in 1.0s — 0 errors so far, ETA 1s\n[kplug] between\n[kplug] cell 2/2 b: completed in 1.0s — 0 errors so far, done\n');
	}
});

test('quiet (--json): nothing at all, on a TTY or not', async t => {
	for (const isTTY of [true, false]) {
		const stream = fakeStream(isTTY);
		const progress = createProgress({quiet: true, stream, env});
		progress.status('cell 1/1');
		progress.info('x');
		await progress.step('y', async () => 1);
		await t.throwsAsync(progress.step('z', async () => Promise.reject(new Error('no'))));
		progress.end();
		t.is(stream.text(), '');
	}
});
