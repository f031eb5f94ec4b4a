// --json: stdout carries JSON and nothing else, for every command (they all take it).
import test from 'ava';
import {writeFile, mkdir} from 'node:fs/promises';
import {join} from 'node:path';
import {parseCommandArgs} from '../../../harness/cli/command.ts';
import {commands, main} from '../../../harness/cli/main.ts';
import type {Progress, ProgressStream} from '../../../harness/util/progress.ts';
import {sampleReport} from '../report/_sample-report.ts';
import {kplugCli} from './_kplug.ts';
import {tempDir} from '../../_temp.ts';

// A terminal that records what it is sent: the most a progress writer could print.
function terminal(): ProgressStream & {text: string} {
	const sink = {isTTY: true, columns: 100, text: '', write: (s: string) => (sink.text += s)};
	return sink;
}

async function everyKindOfProgress(progress: Progress): Promise<void> {
	progress.info('a message');
	progress.status('cell 1/2 a: completed in 1.0s — 0 errors so far, ETA 1s');
	await progress.step('a step', async () => undefined);
	progress.end();
}

// main() in this process, stdout captured (serial tests: process.stdout is shared).
async function inProcess(argv: string[]): Promise<{exitCode: number; stdout: string}> {
	let stdout = '';
	const write = process.stdout.write.bind(process.stdout);
	process.stdout.write = ((chunk: string | Uint8Array) => {
		stdout += chunk.toString();
		return true;
	}) as typeof process.stdout.write;
	try {
		return {exitCode: await main(argv), stdout};
	} finally {
		process.stdout.write = write;
	}
}

for (const command of commands) {
	test(`${command.name} --json: the command's progress writer prints nothing`, async t => {
		const quiet = terminal();
		const args = parseCommandArgs(command, ['--json'], quiet);
		t.true(args.json);
		await everyKindOfProgress(args.progress);
		t.is(quiet.text, '');
		// The same writer without --json does print (so the test above can fail).
		const loud = terminal();
		await everyKindOfProgress(parseCommandArgs(command, [], loud).progress);
		t.regex(loud.text, /a message[\s\S]*a step/);
	});

	test.serial(`${command.name} --help --json: the help as JSON`, async t => {
		const result = await inProcess([command.name, '--help', '--json']);
		t.is(result.exitCode, 0);
		const help = JSON.parse(result.stdout) as {command: string; usage: string; options: string[]};
		t.is(help.command, command.name);
		t.regex(help.usage, new RegExp(`^kplug ${command.name}`));
		t.true(help.options.includes('--json'));
	});
}

test('bad input under --json: one kplug: line on stderr, and the same error as JSON on stdout', async t => {
	const result = await kplugCli(['run', '--json', '--design', 'strong']);
	t.is(result.exitCode, 2);
	t.deepEqual(JSON.parse(result.stdout), {error: 'unknown design "strong" (designs: mainline, weak, softdep, static-call)', exitCode: 2});
	t.regex(result.stderr, /^kplug: unknown design "strong"[^\n]*$/, 'one line');
});

test('a real command under --json (merge of one shard): stdout is the report as JSON, progress and notes are not on it', async t => {
	const dir = await tempDir(t, 'json');
	await mkdir(join(dir, 'shard'));
	await writeFile(join(dir, 'shard', 'report.json'), JSON.stringify(sampleReport()));
	const result = await kplugCli(['merge', '--json', '--out', join(dir, 'out'), join(dir, 'shard')]);
	const report = JSON.parse(result.stdout) as {schema: string; cells: unknown[]};
	t.is(report.schema, 'kplug-report/1');
	t.is(report.cells.length, sampleReport().cells.length);
	t.notRegex(result.stderr, /\[kplug\]/, 'no progress under --json');
	t.regex(result.stderr, /^kplug: merge: 1 cells of the matrix did not run/m, 'the incomplete merge is said on stderr');
});
