import test, {type ExecutionContext} from 'ava';
import {mkdir, readdir, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {parseCommandArgs} from '../../../harness/cli/command.ts';
import {finishRun, type FinishedRun} from '../../../harness/cli/report-job.ts';
import {runCommand} from '../../../harness/cli/run-command.ts';
import {sampleReport} from '../report/_sample-report.ts';
import {tempDir} from '../../_temp.ts';

// finishRun with stdout and stderr captured (serial: it writes to the process's streams).
async function finish(t: ExecutionContext, run: Omit<FinishedRun, 'runDir' | 'report' | 'json'>, prepare?: (runDir: string) => Promise<void>) {
	const parent = await tempDir(t, 'finish');
	const runDir = join(parent, 'run-1');
	await mkdir(runDir);
	await prepare?.(runDir);
	const args = parseCommandArgs(runCommand, ['--out', parent]);
	const out = {stdout: '', stderr: ''};
	const {stdout, stderr} = process;
	const writeOut = stdout.write;
	const writeErr = stderr.write;
	stdout.write = ((chunk: string) => (out.stdout += chunk, true)) as typeof stdout.write;
	stderr.write = ((chunk: string) => (out.stderr += chunk, true)) as typeof stderr.write;
	let code: number;
	try {
		code = await finishRun(args, {runDir, report: sampleReport(), json: {}, ...run});
	} finally {
		stdout.write = writeOut;
		stderr.write = writeErr;
	}
	return {code, ...out, runDir, files: (await readdir(runDir)).sort(), beside: (await readdir(parent)).sort()};
}

const written = ['junit.xml', 'report.html', 'report.json', 'report.ktap', 'report.md'];

test.serial('writes the five files and the bundle, prints the summary with the bundle, exit by the job\'s rule', async t => {
	const ok = await finish(t, {summary: bundle => `summary; bundle ${bundle}`, failed: false});
	t.is(ok.code, 0);
	t.deepEqual(ok.files, written);
	t.deepEqual(ok.beside, ['run-1', 'run-1.tar.gz']);
	t.is(ok.stdout, `summary; bundle ${ok.runDir}.tar.gz\n`);
	t.is(ok.stderr, '');
	t.is((await finish(t, {summary: () => 's', failed: true})).code, 1);
});

test.serial('a problem line fails the run: one kplug: line each, after the summary', async t => {
	const run = await finish(t, {summary: () => 's', failed: false, problems: [undefined, 'memory: 1 of 2 could not be measured']});
	t.is(run.code, 1);
	t.is(run.stderr, 'kplug: memory: 1 of 2 could not be measured\n');
});

test.serial('a format that cannot be written: the others and the bundle are still written, one kplug: line, exit 1', async t => {
	const run = await finish(t, {summary: bundle => `bundle ${bundle}`, failed: false}, async runDir => {
		await mkdir(join(runDir, 'report.html'));
		await writeFile(join(runDir, 'report.html', 'in-the-way'), '');
	});
	t.is(run.code, 1);
	t.deepEqual(run.files, written);
	t.deepEqual(run.beside, ['run-1', 'run-1.tar.gz']);
	t.is(run.stdout, `bundle ${run.runDir}.tar.gz\n`);
	const lines = run.stderr.trim().split('\n');
	t.is(lines.length, 1, run.stderr);
	t.regex(lines[0]!, /^kplug: could not write report\.html \(.+\) in .*run-1$/);
});
