import test from 'ava';
import {cp, readFile, symlink, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {execa} from 'execa';
import {avaRunCounts, countLeftovers, countsLine, describeFailure, failureReport, parseTap, pointKind, processesUnder, tapCounts} from '../../harness/ava-tap.mjs';
import {run} from '../../harness/util/exec.ts';
import {repoPath} from '../../harness/util/paths.ts';
import {tempDir, type Teardown} from '../_temp.ts';

const fixtures = repoPath('test/fixtures/tap');
const recorded = (name: string): Promise<string> => readFile(join(fixtures, `${name}.tap`), 'utf8');
const noProblems = {problems: [] as string[]};

test('recorded mixed run: pass, failure, thrown error, skip, todo and test.failing counted as AVA means them', async t => {
	const parsed = parseTap(await recorded('mixed'));
	t.deepEqual(parsed.points.map(p => [p.number, p.title, pointKind(p)]), [
		[1, 'report › needs chromium', 'skipped'],
		[2, 'report › junit for shards', 'todo'],
		[3, 'report › writes report.md', 'passed'],
		[4, 'report › verdict table has a row per claim', 'failed'],
		[5, 'report › known bug: soft hyphen in titles', 'passed'],
		[6, 'report › throws', 'failed'],
		[7, 'vm › qemu args', 'passed'],
		[8, 'vm › agent frame', 'passed'],
	]);
	t.deepEqual(parsed.plan, {count: 8, afterPoints: 8, skip: undefined});
	// AVA's own `# fail 3` counts the todo test too.
	t.deepEqual(parsed.comments, {tests: 7, pass: 4, skip: 1, fail: 3});
	t.deepEqual(tapCounts(parsed), {passed: 4, failed: 2, skipped: 1, todo: 1, ...noProblems});
});

test('a failure keeps its YAML block: the message and the diff are what the summary shows', async t => {
	const parsed = parseTap(await recorded('mixed'));
	const [assertion, thrown] = parsed.points.filter(p => pointKind(p) === 'failed');
	t.true(assertion!.diagnostics.includes('message: one row per claim'), assertion!.diagnostics.join('\n'));
	t.true(assertion!.diagnostics.includes('    - 7'));
	t.false(assertion!.diagnostics.some(line => line.trim() === '...' || line.trim() === '---'));
	const text = describeFailure(thrown!);
	t.true(text.startsWith('  not ok 6 - report › throws\n'));
	t.regex(text, /message: 'cells is not iterable'/);
	t.regex(describeFailure(thrown!, 2), /… \d+ more lines in the TAP output above$/);
	const report = failureReport('unit', parsed, tapCounts(parsed));
	t.regex(report, /^unit: 2 failed\n {2}not ok 4 - report › verdict table has a row per claim\n/);
	t.false(report.includes('junit for shards'), 'a todo test is not listed as a failure');
});

test('files the tests left in their temp folder fail a clean run, named in its report', async t => {
	const {parsed, counts} = avaRunCounts(await recorded('pass'), 0);
	t.is(countLeftovers(counts, []).failed, 0);
	const names = Array.from({length: 10}, (_, i) => `kplug-it-${i}-abc`);
	countLeftovers(counts, names);
	t.is(counts.failed, 1);
	const report = failureReport('integration', parsed, counts);
	t.regex(report, /^integration: 1 failed\n  the tests left 10 entries in their temp folder: kplug-it-0-abc, .*kplug-it-7-abc, …$/);
});

test('a clean recorded run has no failures and no report', async t => {
	const parsed = parseTap(await recorded('pass'));
	const counts = tapCounts(parsed);
	t.deepEqual(counts, {passed: 2, failed: 0, skipped: 0, todo: 0, ...noProblems});
	t.is(failureReport('unit', parsed, counts), '');
	t.is(countsLine(counts), '2 passed, 0 failed, 0 skipped');
});

const noPlan = test.macro(async (t, name: string, lastTitle: string) => {
	const {counts} = avaRunCounts(await recorded(name), 1);
	t.is(counts.passed, 1);
	t.is(counts.failed, 1, 'a stream without a plan is a failure, never 0 failures');
	t.is(counts.problems.length, 1);
	t.true(counts.problems[0]!.startsWith(`no TAP plan: the run stopped after 1 test point (last: ${lastTitle})`), counts.problems[0]);
	// Even if AVA had exited 0, the missing plan alone fails the run.
	t.is(avaRunCounts(await recorded(name), 0).counts.failed, 1);
});
test('crashed worker (process.exit in a test): the reporter dies before its plan', noPlan, 'process-exit', 'boots');
test('timed-out test: the reporter dies before its plan', noPlan, 'timeout', 'quick');

test('uncaught exception: crash points beyond the plan, and AVA\'s # fail (never-run test included) is the floor', async t => {
	const counts = tapCounts(parseTap(await recorded('uncaught')));
	t.is(counts.failed, 3);
	t.is(counts.passed, 0);
	t.deepEqual(counts.problems, ['AVA counts 3 failed (tests that never ran or crashed workers included)']);
});

test('a file that throws while loading: plan 1..0 and two failures', async t => {
	const parsed = parseTap(await recorded('load-error'));
	t.is(parsed.plan?.count, 0);
	t.deepEqual(parsed.points.map(p => p.title), ['Error: cannot load the fixture', 'load-error.test.js exited with a non-zero exit code: 1']);
	t.is(tapCounts(parsed).failed, 2);
});

test('a stream cut inside a YAML block (AVA killed) counts as failed and says so', async t => {
	const text = await recorded('mixed');
	const cut = text.slice(0, text.indexOf('    message: one row per claim'));
	const counts = tapCounts(parseTap(cut));
	t.is(counts.failed, 2, 'the failed point plus the missing plan');
	t.true(counts.problems.some(p => p.startsWith('no TAP plan')));
	t.true(counts.problems.includes('the stream ends inside a failure\'s YAML block'));
});

const generic = test.macro((t, tap: string, expected: Partial<ReturnType<typeof tapCounts>>) => {
	const counts = tapCounts(parseTap(tap));
	t.like(counts, expected, JSON.stringify(counts));
});
test('fewer points than planned: the missing ones fail', generic, 'TAP version 13\nok 1 - a\n1..3\n', {passed: 1, failed: 2});
test('more points than planned, all ok: still a failure', generic, 'ok 1 - a\nok 2 - b\n1..1\n', {passed: 2, failed: 1});
test('plan first (TAP 13 allows it), then points', generic, '1..2\nok 1 - a\nnot ok 2 - b\n', {passed: 1, failed: 1});
test('Bail out! fails the run', generic, 'TAP version 13\nok 1 - a\nBail out! no qemu\n1..1\n', {passed: 1, failed: 1, problems: ['bail out: no qemu']});
test('directives at the end of the line, any case: ok # TODO is todo, not ok # SKIP is skipped', generic,
	'ok 1 - a # skip\nok 2 - b # TODO\nnot ok 3 - c #SKIP\n1..3\n', {passed: 0, failed: 0, skipped: 2, todo: 1});
// AVA does not escape titles: this very file's titles once read as TODO when a reason was allowed.
test('a # inside a title is not a directive, nor is a directive followed by more words', generic,
	'ok 1 - issue #13 counts\nok 2 - x: ok # TODO is todo; not ok # SKIP is skipped\nok 3 - a # skip no chromium\n1..3\n# pass 3\n', {passed: 3, failed: 0, todo: 0, problems: []});
test('a point without number or title still counts', generic, 'ok\nnot ok\n1..2\n', {passed: 1, failed: 1});
test('AVA\'s # pass differing from the points is reported (a parsing problem, not a failure)', generic,
	'ok 1 - a\nok 2 - b # TODO\n1..2\n# pass 2\n# fail 1\n', {passed: 1, failed: 0, todo: 1, problems: ['AVA counts 2 passed, its test points 1']});
test('summary comments count only after the last point (a hook comment "# fail 0" earlier is not one)', generic,
	'ok 1 - a\n# fail 0\nnot ok 2 - b\n1..2\n# fail 5\n', {failed: 5});
test('empty output: no plan, one failure', generic, '', {passed: 0, failed: 1});

test('a non-zero exit with clean TAP is a failure; a failed point with exit 0 still is one', async t => {
	const clean = await recorded('pass');
	t.deepEqual(avaRunCounts(clean, 0).counts.failed, 0);
	const crashed = avaRunCounts(clean, 134).counts;
	t.is(crashed.failed, 1);
	t.deepEqual(crashed.problems, ['AVA exited with 134 but its TAP output shows no failure']);
	t.is(avaRunCounts(await recorded('mixed'), 0).counts.failed, 2);
	t.is(countsLine({passed: 1, failed: 0, skipped: 0, todo: 2}), '1 passed, 0 failed, 0 skipped, 2 todo');
});

// The recordings are what the installed AVA prints: run it on the same sources (a scratch project).
async function avaTap(t: Teardown, files: string[]): Promise<{stdout: string; exitCode: number}> {
	const dir = await tempDir(t, 'ava-tap');
	await cp(join(fixtures, 'sources'), dir, {recursive: true});
	await symlink(repoPath('node_modules'), join(dir, 'node_modules'));
	await writeFile(join(dir, 'package.json'), JSON.stringify({type: 'module', ava: {workerThreads: false}}));
	const cli = repoPath('node_modules/ava/entrypoints/cli.mjs');
	return run(process.execPath, [cli, '--tap', ...files], {cwd: dir, timeoutMs: 60_000, okExitCodes: [1]});
}

test.serial('the installed AVA still prints what mixed.tap recorded (points, directives, plan, comments)', async t => {
	const live = await avaTap(t, ['report.test.js', 'vm.test.js']);
	t.is(live.exitCode, 1);
	const shape = (text: string) => {
		const parsed = parseTap(text);
		// Two files run in parallel: their points interleave in any order.
		return {points: parsed.points.map(p => `${p.title}: ${pointKind(p)}`).sort(), plan: parsed.plan, comments: parsed.comments, counts: tapCounts(parsed)};
	};
	t.deepEqual(shape(live.stdout), shape(await recorded('mixed')));
});

test.serial('the installed AVA on a test that calls process.exit(): counted as failed', async t => {
	const live = await avaTap(t, ['exit.test.js']);
	const {counts} = avaRunCounts(live.stdout, live.exitCode);
	t.not(live.exitCode, 0);
	t.true(counts.failed >= 1, JSON.stringify(counts));
	t.is(counts.passed, 1);
});

test('processesUnder: the processes started with TMPDIR=<folder>, by their environment; not a folder whose name only starts the same', async t => {
	const dir = await tempDir(t, 'under');
	const mine = execa('sleep', ['30'], {env: {TMPDIR: dir}, reject: false});
	const other = execa('sleep', ['30'], {env: {TMPDIR: `${dir}-other`}, reject: false});
	t.teardown(async () => {
		mine.kill();
		other.kill();
		await Promise.all([mine, other]);
	});
	const pids = processesUnder(dir);
	t.true(pids.includes(String(mine.pid)), pids.join(','));
	t.false(pids.includes(String(other.pid)));
	mine.kill();
	await mine;
	t.false(processesUnder(dir).includes(String(mine.pid)));
});
