// Counting a claim's verdicts over some cells: "holds 3/3", "FAILS 1/2 (lib-first)", "n/a".
import type {CellResult, ClaimResult} from '../scenarios/types.ts';
import type {Tone} from './blocks.ts';

export interface VerdictSummary {
	holds: number;
	fails: number;
	na: number;
	// Scenarios where the claim failed.
	failing: string[];
	// Cells of the configuration that errored without a verdict for this claim, and cells not run.
	errored: number;
	notRun: number;
	text: string;
	tone: Tone;
}

// One judged result of a claim: a cell's, or a pair claim's (scenario names the pair).
export interface JudgedResult {
	verdict: string;
	scenario: string;
	errored: boolean;
}

// Summarise results: "holds 3/3", "FAILS 1/2 (lib-first)", "not evaluated" or "n/a".
export function summarizeResults(results: readonly JudgedResult[], notRun = 0): VerdictSummary {
	const summary: VerdictSummary = {holds: 0, fails: 0, na: 0, failing: [], errored: 0, notRun, text: '', tone: 'na'};
	for (const r of results) {
		if (r.errored || r.verdict === 'not evaluated') summary.errored++;
		else if (r.verdict === 'holds') summary.holds++;
		else if (r.verdict === 'fails') {
			summary.fails++;
			if (!summary.failing.includes(r.scenario)) summary.failing.push(r.scenario);
		} else summary.na++;
	}
	const decided = summary.holds + summary.fails;
	let text: string;
	if (summary.fails > 0) {
		text = `FAILS ${summary.fails}/${decided} (${summary.failing.join(', ')})`;
		summary.tone = 'fails';
	} else if (summary.holds > 0) {
		text = `holds ${summary.holds}/${decided}`;
		summary.tone = 'holds';
	} else if (summary.na === 0 && summary.errored > 0) {
		text = 'not evaluated';
		summary.tone = 'error';
	} else if (summary.na === 0 && notRun > 0) {
		text = 'not run';
		summary.tone = 'skipped';
	} else {
		text = 'n/a';
	}
	const extra = [
		...(summary.errored > 0 && text !== 'not evaluated' ? [`${summary.errored} not evaluated`] : []),
		...(notRun > 0 && text !== 'not run' ? [`${notRun} not run`] : []),
	];
	summary.text = [text, ...extra].join('; ');
	return summary;
}

// Summarise one claim over some cells (and, for pair claims, the pair results of the same cells).
export function summarizeVerdicts(claim: string, cells: readonly CellResult[], notRun = 0, pairs: readonly ClaimResult[] = []): VerdictSummary {
	const results: JudgedResult[] = [];
	for (const c of cells) {
		const verdict = c.claims.find(r => r.claim === claim)?.verdict;
		if (verdict === undefined && c.status === 'error' && !pairs.some(p => p.claim === claim)) results.push({verdict: 'not evaluated', scenario: c.id.scenario, errored: true});
		else if (verdict !== undefined) results.push({verdict, scenario: c.id.scenario, errored: false});
	}
	for (const p of pairs.filter(x => x.claim === claim)) results.push({verdict: p.verdict, scenario: 'arch-first vs lib-first', errored: false});
	return summarizeResults(results, notRun);
}
