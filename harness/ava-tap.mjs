// Counts from AVA's TAP reporter (`ava --tap`), for `npm test`'s closing line. Plain JavaScript with no
// dependencies: harness/bootstrap.mjs imports it and runs without tsx. Types: ava-tap.d.mts.
//
// What AVA 6 prints (lib/reporters/tap.js through supertap): `TAP version 13`; one test point per test,
// `ok N - file › title`, `ok N - … # SKIP`, `not ok N - … # TODO`, a failure followed by a YAML block
// (`  ---` … `  ...`) with name, message, details and at; t.log lines as `#   …`; a crashed worker, an
// uncaught exception or a file that fails to load as an extra `not ok` point; then the plan `1..N` and
// `# tests`, `# pass`, `# skip` (only when > 0) and `# fail`. Its `# fail` also counts todo tests, tests
// that never ran ("remaining") and crashes, and its plan leaves the crash points out. A test that times
// out or calls process.exit() makes AVA 6.4's TAP reporter itself throw (avajs/ava#3461): the stream
// just stops, with no plan — so a missing plan counts as a failure, never as a clean run.

import {readdirSync, readFileSync} from 'node:fs';

const pointLine = /^(not ok|ok)\b\s*(\d+)?\s*(?:-\s*)?(.*)$/;
// AVA writes titles verbatim (a '#' in a title is not escaped) and a directive bare at the very end, so
// only that is one: `… # SKIP`, `… # TODO` (no reason; TAP's reasons would make titles ambiguous).
const directiveAtEnd = /\s+#\s*(skip|todo)\s*$/i;
const planLine = /^1\.\.(\d+)(?:\s*#\s*(.*))?$/;
const countComment = /^#\s*(tests|pass|skip|fail|todo)\s+(\d+)\s*$/;

// One test point: `ok`/`not ok`, its number and title, a SKIP/TODO directive and the YAML block after it.
function testPoint(match) {
	const [, status, number, rest] = match;
	const directive = directiveAtEnd.exec(rest);
	return {
		ok: status === 'ok',
		number: number === undefined ? undefined : Number(number),
		title: (directive ? rest.slice(0, directive.index) : rest).trim(),
		directive: directive ? directive[1].toLowerCase() : undefined,
		diagnostics: [],
	};
}

// Parse a whole TAP stream (AVA's or any TAP 13 producer's) into its parts.
export function parseTap(text) {
	const points = [];
	const comments = {};
	let plan;
	let bailOut;
	let yaml; // the diagnostics being collected, with the block's indentation
	for (const line of text.split(/\r?\n/)) {
		if (yaml) {
			if (line.trim() === '...') yaml = undefined;
			else yaml.lines.push(line.slice(Math.min(yaml.indent, line.length - line.trimStart().length)));
			continue;
		}
		const point = pointLine.exec(line);
		if (point) {
			points.push(testPoint(point));
			continue;
		}
		const last = points.at(-1);
		if (last && /^\s+---\s*$/.test(line)) {
			yaml = {lines: last.diagnostics, indent: line.indexOf('-') + 2};
			continue;
		}
		const planned = planLine.exec(line);
		if (planned) {
			plan = {count: Number(planned[1]), afterPoints: points.length, skip: planned[2]};
			continue;
		}
		const counted = plan && countComment.exec(line);
		if (counted) {
			comments[counted[1]] = Number(counted[2]);
			continue;
		}
		const bail = /^Bail out!\s*(.*)$/.exec(line);
		if (bail) bailOut = bail[1] || 'Bail out!';
	}
	// Summary comments count only when nothing but comments follows them (a hook titled "pass 3" is not one).
	const tail = plan && plan.afterPoints === points.length ? comments : {};
	return {points, plan, comments: tail, bailOut, truncatedYaml: yaml !== undefined};
}

// What a test point counts as.
export function pointKind(point) {
	if (point.directive === 'todo') return 'todo';
	if (point.directive === 'skip') return 'skipped';
	return point.ok ? 'passed' : 'failed';
}

// The closing counts of a parsed stream, and why a run counts as failed beyond its failed tests.
// Everything that could hide a failure (no plan, fewer points than planned, a bail-out, AVA's own
// `# fail` above what the points show) adds failures; nothing subtracts them.
export function tapCounts(parsed) {
	const counts = {passed: 0, failed: 0, skipped: 0, todo: 0};
	for (const point of parsed.points) counts[pointKind(point)]++;
	const problems = [];
	const seen = parsed.points.length;
	const lastTitle = parsed.points.at(-1)?.title;
	if (!parsed.plan) {
		counts.failed++;
		problems.push(`no TAP plan: the run stopped after ${seen} test point${seen === 1 ? '' : 's'}${lastTitle ? ` (last: ${lastTitle})` : ''}` +
			' — a test timed out or called process.exit() (AVA 6.4\'s TAP reporter throws on those, avajs/ava#3461), or AVA was killed');
	} else if (seen < parsed.plan.count) {
		counts.failed += parsed.plan.count - seen;
		problems.push(`${parsed.plan.count - seen} of ${parsed.plan.count} planned tests never reported`);
	} else if (seen > parsed.plan.count && counts.failed === 0) {
		counts.failed++;
		problems.push(`${seen} test points for a plan of ${parsed.plan.count}`);
	}
	if (parsed.truncatedYaml) problems.push('the stream ends inside a failure\'s YAML block');
	if (parsed.bailOut !== undefined) {
		counts.failed = Math.max(counts.failed, 1);
		problems.push(`bail out: ${parsed.bailOut}`);
	}
	// AVA's `# pass` counts what its ok points without a directive count: a difference is a parsing problem.
	if (parsed.comments.pass !== undefined && parsed.comments.pass !== counts.passed) {
		problems.push(`AVA counts ${parsed.comments.pass} passed, its test points ${counts.passed}`);
	}
	// AVA's `# fail` = failed + never-run + crashed + todo; without todo it is a floor for the failures.
	const avaFailed = parsed.comments.fail === undefined ? 0 : parsed.comments.fail - counts.todo;
	if (avaFailed > counts.failed) {
		problems.push(`AVA counts ${avaFailed} failed (tests that never ran or crashed workers included)`);
		counts.failed = avaFailed;
	}
	return {...counts, problems};
}

// The counts of one AVA run from its TAP stdout and exit status: a non-zero exit is a failure even when
// every point says ok, and a failed point is one even when AVA exits 0.
export function avaRunCounts(text, exitCode) {
	const parsed = parseTap(text);
	const counts = tapCounts(parsed);
	if (exitCode !== 0 && counts.failed === 0) {
		counts.failed = 1;
		counts.problems.push(`AVA exited with ${exitCode} but its TAP output shows no failure`);
	}
	return {parsed, counts};
}

// Files the tests left in their temp folder count as one failure of the run, named with the first few.
export function countLeftovers(counts, entries) {
	if (entries.length === 0) return counts;
	const names = entries.slice(0, 8).join(', ') + (entries.length > 8 ? ', …' : '');
	counts.failed += 1;
	counts.problems.push(`the tests left ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'} in their temp folder: ${names}`);
	return counts;
}

// A failed test point for a person: its title and the first lines of its YAML block (message, diff, at).
export function describeFailure(point, maxLines = 12) {
	const lines = point.diagnostics.filter(line => line.trim() !== '');
	const shown = lines.slice(0, maxLines).map(line => `    ${line}`);
	if (lines.length > maxLines) shown.push(`    … ${lines.length - maxLines} more lines in the TAP output above`);
	return [`  not ok ${point.number ?? '?'} - ${point.title}`, ...shown].join('\n');
}

// The failures of one step, for the closing summary: failed points, then what the counts add.
export function failureReport(step, parsed, counts) {
	const failed = parsed.points.filter(point => pointKind(point) === 'failed');
	const out = failed.map(point => describeFailure(point));
	for (const problem of counts.problems) out.push(`  ${problem}`);
	return out.length === 0 ? '' : [`${step}: ${counts.failed} failed`, ...out].join('\n');
}

// `N passed, N failed, N skipped` (and todo when there are any).
export function countsLine(counts) {
	const todo = counts.todo > 0 ? `, ${counts.todo} todo` : '';
	return `${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped${todo}`;
}

// Processes started with TMPDIR=`temp` (the tests' workers, the kplug processes and guests they started), by
// /proc/<pid>/environ: they outlive AVA by their own clean-up after an interrupt.
export function processesUnder(temp, self = process.pid) {
	const needle = `\0TMPDIR=${temp}\0`;
	return readdirSync('/proc').filter(pid => /^\d+$/.test(pid) && Number(pid) !== self).filter(pid => {
		try {
			return `\0${readFileSync(`/proc/${pid}/environ`, 'latin1')}`.includes(needle);
		} catch {
			return false; // gone meanwhile, or not ours to read
		}
	});
}
