// junit.xml for CI: a cell is an error when the rig could not run it, a failure when it deviates from baseline.
// Claim verdicts are findings about the designs, so they go to <system-out>, never to <failure>.
import type {CellResult, Flake} from '../scenarios/types.ts';
import {configKey, matrixOrder, scenarioIds} from './blocks.ts';
import {flakeOutcomeLines, stepSummary} from './cell-sections.ts';
import {escapeXml, escapeXmlAttribute} from './escape.ts';
import type {ConfigId, Deviation, Report, VectorCellReport, VectorPathReport} from './schema.ts';

interface Case {
	classname: string;
	name: string;
	seconds: number;
	// At most one of these; error wins over failure.
	error?: {type: string; message: string; body: string};
	failure?: {type: string; message: string; body: string};
	skipped?: string;
	out: string[];
}

interface Suite {
	name: string;
	cases: Case[];
}

function seconds(ms: number): number {
	return Math.max(0, ms) / 1000;
}

function cellCase(c: CellResult, deviation: Deviation | undefined, flake: Flake | undefined): Case {
	const out = [
		`status: ${c.status}`,
		...c.steps.map(s => `step: ${stepSummary(s)}${s.exitCode === 0 ? '' : ` — ${s.message}`}`),
		...c.claims.map(r => `claim ${r.claim}: ${r.verdict} — ${r.evidence}`),
		...(flake ? [`${flake.known ? `ended differently across repeats, each way recorded in the baseline (${flake.known})` : 'flaky'}: outcomes across repeats${flake.counts ? ` (${flake.counts.join('/')} repeats)` : ''}: ${flake.outcomes.join(' / ')}`] : []),
		`logs: ${c.logDir}`,
	];
	const testCase: Case = {classname: `kplug.${c.id.scenario}`, name: configKey(c.id), seconds: seconds(c.durationMs), out};
	const diff = deviation ? deviation.diff.join('\n') : '';
	if (c.status === 'error') {
		const message = c.error ? `${c.error.class}: ${c.error.message}` : 'cell did not complete';
		testCase.error = {type: c.error?.class ?? 'error', message, body: [message, ...(diff ? ['baseline diff:', diff] : [])].join('\n')};
	} else if (deviation) {
		testCase.failure = {type: 'baseline-deviation', message: `${c.cellKey} deviates from the baseline`, body: diff};
	} else if (flake && !flake.known) {
		// An unexplained flake fails the run, so it fails its test case too (the first repeat is the cell's result).
		testCase.failure = {type: 'flaky', message: `${c.cellKey} ended differently across repeats`, body: flakeOutcomeLines(flake).join('\n')};
	}
	return testCase;
}

// A cell (or vector cell) the interrupt stopped or never started: skipped, never an error.
function notRunCase(classname: string, id: ConfigId): Case {
	return {classname, name: configKey(id), seconds: 0, skipped: 'not run', out: []};
}

function vectorPathCase(v: VectorCellReport, p: VectorPathReport): Case {
	const testCase: Case = {
		classname: 'kplug.vectors',
		name: `${configKey(v)}/${p.path}`,
		seconds: p.guestSeconds,
		out: [
			`served by: ${p.servedBy.join(', ') || '—'}`,
			`passed ${p.passed}/${p.total}`,
			`ops/s (measured under TCG emulation): ${p.opsPerSecond}`,
			`seed: ${v.seed}`,
		],
	};
	if (p.failed.length > 0) {
		const body = p.failed.map(f => `${f.id}: differing bytes [${f.differingBytes.join(', ')}]\n  expected ${f.expectedHex} ok=${f.expectedOk}\n  got      ${f.gotHex} ok=${f.gotOk}`);
		testCase.failure = {type: 'vector-mismatch', message: `${p.failed.length} of ${p.total} vectors failed on the ${p.path} path`, body: body.join('\n')};
	}
	if (v.error) testCase.error = {type: 'vector-error', message: v.error, body: v.error};
	return testCase;
}

function vectorCases(v: VectorCellReport): Case[] {
	if (v.paths.length > 0) return v.paths.map(p => vectorPathCase(v, p));
	if (v.unavailable && !v.error) return [{classname: 'kplug.vectors', name: configKey(v), seconds: 0, skipped: `library unavailable: ${v.unavailable}`, out: []}];
	const error = v.error ?? 'no paths were measured';
	return [{classname: 'kplug.vectors', name: configKey(v), seconds: 0, error: {type: 'vector-error', message: error, body: error}, out: []}];
}

function suites(report: Report): Suite[] {
	const order = matrixOrder(report);
	const deviations = new Map(report.deviations.map(d => [d.cellKey, d]));
	const flakes = new Map(report.flakes.map(f => [f.cellKey, f]));
	const known = new Set(report.cells.map(c => c.cellKey));
	const result: Suite[] = scenarioIds(report).map(scenario => {
		const entries = [
			...report.cells.filter(c => c.id.scenario === scenario).map(c => ({at: c.id, testCase: cellCase(c, deviations.get(c.cellKey), flakes.get(c.cellKey))})),
			...report.notRun.filter(n => n.scenario === scenario).map(n => ({at: n, testCase: notRunCase(`kplug.${n.scenario}`, n)})),
		].sort((a, b) => order(a.at, b.at));
		return {name: scenario, cases: entries.map(e => e.testCase)};
	});
	const orphans = report.deviations.filter(d => !known.has(d.cellKey));
	// A version change is not a failure (the cells were compared all the same): a passing case that says so.
	const versionCases: Case[] = (report.versionChanges ?? []).map(v => ({
		classname: 'kplug.baseline',
		name: `versions/${v.profile}`,
		seconds: 0,
		out: [`${v.profile}: the baseline was recorded with other versions (${v.changed.join(', ')}); its cells were compared all the same`, ...v.diff],
	}));
	const baselineCases: Case[] = [
		...versionCases,
		...orphans.map(d => ({
			classname: 'kplug.baseline',
			name: d.cellKey,
			seconds: 0,
			failure: {type: 'baseline-deviation', message: `${d.cellKey} deviates from the baseline`, body: d.diff.join('\n')},
			out: [],
		})),
	];
	if (baselineCases.length > 0) result.push({name: 'baseline', cases: baselineCases});
	const vectorEntries = [
		...report.vectors.map(v => ({at: v as ConfigId, cases: vectorCases(v)})),
		...(report.vectorsNotRun ?? []).map(id => ({at: id, cases: [notRunCase('kplug.vectors', id)]})),
	].sort((a, b) => order(a.at, b.at));
	if (vectorEntries.length > 0) result.push({name: 'vectors', cases: vectorEntries.flatMap(e => e.cases)});
	return result;
}

function counts(cases: readonly Case[]): string {
	const failures = cases.filter(c => c.failure && !c.error).length;
	const errors = cases.filter(c => c.error).length;
	const skipped = cases.filter(c => c.skipped !== undefined).length;
	const time = cases.reduce((sum, c) => sum + c.seconds, 0);
	return `tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${time.toFixed(3)}"`;
}

function caseXml(c: Case): string {
	const attrs = `classname="${escapeXmlAttribute(c.classname)}" name="${escapeXmlAttribute(c.name)}" time="${c.seconds.toFixed(3)}"`;
	const body: string[] = [];
	if (c.skipped !== undefined) body.push(`<skipped message="${escapeXmlAttribute(c.skipped)}"/>`);
	const problem = c.error ? {tag: 'error', ...c.error} : c.failure ? {tag: 'failure', ...c.failure} : undefined;
	if (problem) {
		body.push(`<${problem.tag} type="${escapeXmlAttribute(problem.type)}" message="${escapeXmlAttribute(problem.message)}">${escapeXml(problem.body)}</${problem.tag}>`);
	}
	if (c.out.length > 0) body.push(`<system-out>${escapeXml(c.out.join('\n'))}</system-out>`);
	if (body.length === 0) return `    <testcase ${attrs}/>`;
	return [`    <testcase ${attrs}>`, ...body.map(b => `      ${b}`), '    </testcase>'].join('\n');
}

// Render a report as JUnit XML: one testsuite per scenario (plus vectors), one testcase per cell.
export function renderJunit(report: Report): string {
	const all = suites(report);
	const lines = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="kplug" ${counts(all.flatMap(s => s.cases))}>`];
	for (const suite of all) {
		lines.push(`  <testsuite name="${escapeXmlAttribute(suite.name)}" ${counts(suite.cases)} timestamp="${escapeXmlAttribute(report.generatedAt)}">`);
		lines.push(...suite.cases.map(caseXml));
		lines.push('  </testsuite>');
	}
	lines.push('</testsuites>', '');
	return lines.join('\n');
}

