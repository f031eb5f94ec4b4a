// One cell of the verdict table (a claim × a design), aggregated over kernels, profiles and CPUs,
// naming the exceptions and why ("FAILS 4/12 — on thumb2-noplts: library unreachable (insmod lib: ENOEXEC)") so a
// reader needs no second table.
import type {CellResult, ClaimResult} from '../scenarios/types.ts';
import {cell, type TableCell} from './blocks.ts';
import {summarizeVerdicts} from './verdict-summary.ts';
import {configOf, evidenceHref} from './findings.ts';

interface Judged {
	// "design/profile/cpu/scenario" of the cell whose evidence this is.
	cellKey: string;
	verdict: ClaimResult['verdict'];
	evidence: string;
	reason: string | undefined;
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

// Why the failing cells failed, most frequent cause first: "loaded despite the blacklist" alone when every one failed
// that way, else "18 loaded despite the blacklist, 12 library unreachable (6 modprobe driver: EINVAL, …)": causes are
// grouped by their words before a parenthesised detail. A verdict without a recorded reason (an older report) is
// grouped by the errno names its evidence quotes.
export function reasonsText(failing: readonly Pick<Judged, 'evidence' | 'reason'>[], shown = 2): string {
	const causes = new Map<string, Map<string, number>>();
	for (const f of failing) {
		const reason = f.reason ?? (errnosIn([f.evidence]).join(', ') || 'see the evidence');
		const [, head = reason, detail = ''] = /^(.*?) \((.*)\)$/.exec(reason) ?? [];
		const details = causes.get(head) ?? new Map<string, number>();
		details.set(detail, (details.get(detail) ?? 0) + 1);
		causes.set(head, details);
	}
	const total = (details: Map<string, number>): number => [...details.values()].reduce((a, b) => a + b, 0);
	const ranked = [...causes].sort((a, b) => total(b[1]) - total(a[1]));
	const describe = (head: string, details: Map<string, number>, counted: boolean): string => {
		const named = [...details].filter(([d]) => d !== '').sort((a, b) => b[1] - a[1]);
		const parts = named.length === 1 && details.size === 1 ? [named[0]![0]] : named.slice(0, shown).map(([d, n]) => `${n} ${d}`);
		const more = named.length > shown ? ', …' : '';
		return `${counted ? `${total(details)} ` : ''}${head}${parts.length > 0 ? ` (${parts.join(', ')}${more})` : ''}`;
	};
	if (ranked.length === 1) return describe(ranked[0]![0], ranked[0]![1], false);
	const rest = ranked.slice(shown).reduce((n, [, details]) => n + total(details), 0);
	return [...ranked.slice(0, shown).map(([head, details]) => describe(head, details, true)), ...(rest > 0 ? [`${rest} other`] : [])].join(', ');
}

// The verdict of one claim for one design: counts, where it fails and why, linked to the first failing cell.
export function verdictCell(claim: string, cells: readonly CellResult[], notRun: number, pairs: readonly ClaimResult[]): TableCell {
	const judged: Judged[] = [];
	const isPair = pairs.some(p => p.claim === claim);
	for (const c of cells) {
		const r = c.claims.find(x => x.claim === claim);
		if (r) judged.push({cellKey: c.cellKey, verdict: r.verdict, evidence: r.evidence, reason: r.reason});
	}
	// A pair is judged on its configuration; its evidence is quoted from the second (lib-first) cell.
	for (const p of pairs.filter(x => x.claim === claim)) judged.push({cellKey: p.cells?.[1] ?? p.cells?.[0] ?? '', verdict: p.verdict, evidence: p.evidence, reason: p.reason});
	const summary = summarizeVerdicts(claim, cells, notRun, pairs);
	const decided = judged.filter(j => j.verdict === 'holds' || j.verdict === 'fails');
	const failing = decided.filter(j => j.verdict === 'fails');
	const unit = isPair ? 'configurations' : 'cells';
	const extra = [...(summary.errored > 0 ? [`${summary.errored} not evaluated`] : []), ...(notRun > 0 ? [`${notRun} not run`] : [])];
	const tail = extra.length > 0 ? `; ${extra.join('; ')}` : '';
	if (failing.length > 0) {
		const where = failing.length === decided.length ? 'everywhere' : `on ${whereText(failing.map(f => configOf(f.cellKey)), decided.map(d => configOf(d.cellKey)))}`;
		return {text: `FAILS ${failing.length}/${decided.length} ${unit} — ${where}: ${reasonsText(failing)}${tail}`, tone: 'fails', href: evidenceHref(failing[0]!.cellKey)};
	}
	if (decided.length > 0) return {text: `holds in ${decided.length}/${decided.length} ${unit}${tail}`, tone: 'holds', href: evidenceHref(decided[0]!.cellKey)};
	return cell(summary.text, summary.tone);
}
