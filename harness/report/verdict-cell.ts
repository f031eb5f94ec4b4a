// One cell of the verdict table (a claim × a design), aggregated over kernels, profiles and CPUs,
// naming the exceptions ("FAILS 4/12 — on thumb2-noplts: ENOEXEC") so a reader needs no second table.
import type {CellResult, ClaimResult} from '../scenarios/types.ts';
import {cell, type TableCell} from './blocks.ts';
import {summarizeVerdicts} from './verdict-summary.ts';
import {configOf, evidenceHref} from './findings.ts';

interface Judged {
	// "design/profile/cpu/scenario" of the cell whose evidence this is.
	cellKey: string;
	verdict: ClaimResult['verdict'];
	evidence: string;
}

// errno names (ENOEXEC, EAGAIN), not the tools' own "ERROR:".
const errnoWord = /\bE(?!RROR\b)[A-Z0-9]{3,}\b/g;

// Failing configurations, a profile named alone when every CPU (two or more) judged on it failed.
export function whereText(failing: readonly string[], judged: readonly string[]): string {
	const profiles: string[] = [];
	for (const key of [...judged, ...failing]) {
		const profile = key.split('/')[0]!;
		if (!profiles.includes(profile)) profiles.push(profile);
	}
	const parts: string[] = [];
	for (const profile of profiles) {
		const bad = [...new Set(failing.filter(k => k.startsWith(`${profile}/`)))];
		if (bad.length === 0) continue;
		const all = new Set(judged.filter(k => k.startsWith(`${profile}/`)));
		// "thumb2-noplts" stands for every CPU only when more than one was judged there.
		parts.push(bad.length === all.size && all.size > 1 ? profile : bad.join(', '));
	}
	return parts.join(', ');
}

// The errno names the failing evidence quotes (the kernel's or the tool's answer), at most three.
export function errnosIn(evidence: readonly string[]): string[] {
	const seen: string[] = [];
	for (const text of evidence) for (const m of text.matchAll(errnoWord)) if (!seen.includes(m[0])) seen.push(m[0]);
	return seen.slice(0, 3);
}

// The verdict of one claim for one design: counts, where it fails and why, linked to the first failing cell.
export function verdictCell(claim: string, cells: readonly CellResult[], notRun: number, pairs: readonly ClaimResult[]): TableCell {
	const judged: Judged[] = [];
	const isPair = pairs.some(p => p.claim === claim);
	for (const c of cells) {
		const r = c.claims.find(x => x.claim === claim);
		if (r) judged.push({cellKey: c.cellKey, verdict: r.verdict, evidence: r.evidence});
	}
	// A pair is judged on its configuration; its evidence is quoted from the second (lib-first) cell.
	for (const p of pairs.filter(x => x.claim === claim)) judged.push({cellKey: p.cells?.[1] ?? p.cells?.[0] ?? '', verdict: p.verdict, evidence: p.evidence});
	const summary = summarizeVerdicts(claim, cells, notRun, pairs);
	const decided = judged.filter(j => j.verdict === 'holds' || j.verdict === 'fails');
	const failing = decided.filter(j => j.verdict === 'fails');
	const unit = isPair ? 'configurations' : 'cells';
	const extra = [...(summary.errored > 0 ? [`${summary.errored} not evaluated`] : []), ...(notRun > 0 ? [`${notRun} not run`] : [])];
	const tail = extra.length > 0 ? `; ${extra.join('; ')}` : '';
	if (failing.length > 0) {
		const where = failing.length === decided.length ? 'everywhere' : `on ${whereText(failing.map(f => configOf(f.cellKey)), decided.map(d => configOf(d.cellKey)))}`;
		const errnos = errnosIn(failing.map(f => f.evidence));
		const why = errnos.length > 0 ? `: ${errnos.join(', ')}` : '';
		return {text: `FAILS ${failing.length}/${decided.length} ${unit} — ${where}${why}${tail}`, tone: 'fails', href: evidenceHref(failing[0]!.cellKey)};
	}
	if (decided.length > 0) return {text: `holds in ${decided.length}/${decided.length} ${unit}${tail}`, tone: 'holds', href: evidenceHref(decided[0]!.cellKey)};
	return cell(summary.text, summary.tone);
}
