// report.ktap: the run in KTAP version 1 (Documentation/dev-tools/ktap.rst), so kernel tooling
// (kunit.py parse, KernelCI) reads it: one subtest per cell, nested one result per claim.
// A claim that holds is "ok", one that fails "not ok", n/a is "ok … # SKIP"; a cell that errored or a
// claim not evaluated is "not ok" too (the observation the verdict needs was not made).
import type {CellId, CellResult, ClaimResult} from '../scenarios/types.ts';
import {idKey, matrixOrder} from './blocks.ts';
import {visibleControls} from './escape.ts';
import type {Report} from './schema.ts';

const indent = '    ';

// A test name or directive reason on one line, without the characters KTAP gives meaning to.
function ktapText(text: string): string {
	return visibleControls(text).replace(/\s+/g, ' ').replace(/#/g, '♯').trim();
}

// Diagnostic lines ("# …"); never a line the parser would take for a header.
function diagnostics(lines: readonly string[], depth: string): string[] {
	return lines.flatMap(l => l.split(/\r?\n/)).map(l => `${depth}# ${visibleControls(l).replace(/Subtest:/g, 'Subtest -')}`.trimEnd());
}

function claimLines(results: readonly ClaimResult[], depth: string): string[] {
	const out = [`${depth}KTAP version 1`];
	const lines: string[] = [];
	results.forEach((r, i) => {
		const n = i + 1;
		const name = ktapText(r.claim);
		lines.push(...diagnostics([`${r.claim}: ${r.verdict} — ${r.evidence}`], depth));
		if (r.verdict === 'holds') lines.push(`${depth}ok ${n} ${name}`);
		else if (r.verdict === 'n/a') lines.push(`${depth}ok ${n} ${name} # SKIP n/a`);
		else lines.push(`${depth}not ok ${n} ${name}`);
	});
	return [...out, `${depth}1..${results.length}`, ...lines];
}

function cellLines(c: CellResult, n: number, pairs: readonly ClaimResult[]): string[] {
	const name = ktapText(c.cellKey);
	const results = [...c.claims, ...pairs];
	const head = [`${indent}KTAP version 1`, `${indent}# Subtest: ${name}`];
	if (results.length === 0) {
		const why = c.error ? `${c.error.class}: ${c.error.message}` : 'no claim applies';
		return [
			...diagnostics([`${c.cellKey}: ${why}`, `logs: ${c.logDir}`], ''),
			c.status === 'error' ? `not ok ${n} ${name}` : `ok ${n} ${name} # SKIP ${ktapText(why)}`,
		];
	}
	const failed = c.status === 'error' || results.some(r => r.verdict === 'fails' || r.verdict === 'not evaluated');
	const allSkipped = !failed && results.every(r => r.verdict === 'n/a');
	const body = claimLines(results, indent).slice(1);
	return [...head, ...body, allSkipped ? `ok ${n} ${name} # SKIP no claim applies` : `${failed ? 'not ok' : 'ok'} ${n} ${name}`];
}

// Render a report as KTAP version 1.
export function renderKtap(report: Report): string {
	const order = matrixOrder(report);
	const byScenario = (a: CellId, b: CellId): number => a.scenario.localeCompare(b.scenario) || order(a, b);
	// Pair claims are judged over two cells; they appear under the second (lib-first) one, whose evidence they quote.
	const pairsOf = new Map<string, ClaimResult[]>();
	for (const p of report.pairClaims ?? []) {
		const key = p.cells?.[1] ?? p.cells?.[0];
		if (key !== undefined) pairsOf.set(key, [...(pairsOf.get(key) ?? []), p]);
	}
	const entries = [
		...report.cells.map(c => ({id: c.id, lines: (n: number) => cellLines(c, n, pairsOf.get(c.cellKey) ?? [])})),
		...report.notRun.map(id => ({id, lines: (n: number) => [`ok ${n} ${ktapText(idKey(id))} # SKIP not run`]})),
	].sort((a, b) => byScenario(a.id, b.id));
	const lines = [
		'KTAP version 1',
		`1..${entries.length}`,
		...diagnostics([`kplug ${report.kplugVersion} (${report.schema}), generated ${report.generatedAt}`, `kernel ${report.kernel.sourcePackage} ${report.kernel.sourceVersion} (${report.kernel.release})`], ''),
		...entries.flatMap((e, i) => e.lines(i + 1)),
	];
	return lines.join('\n') + '\n';
}
