// Findings, generated from the data: one sentence each, the cells that show it and a link to the
// evidence (the cell's result.json in the run folder). report.md/html print them after the verdict
// table; the README's findings are this list for the recorded run (a test keeps them equal).
import {kmodMajor} from '../subject/guest-depmod.ts';
import {residentLine} from '../scenarios/module-line.ts';
import {moduleNames} from '../subject/designs.ts';
import type {CellResult, ClaimResult, StepResult} from '../scenarios/types.ts';
import type {UnplugLoadResult} from '../scenarios/unplug-load.ts';
import type {ClaimDefinition} from './schema.ts';
import {designVariant, variantOfKey} from './variants.ts';

export interface Finding {
	text: string;
	// Cell keys (design/profile/cpu/scenario) that show it.
	cells: string[];
	// Relative link (inside the run folder) to the evidence of the cell the sentence quotes.
	evidence: string;
}

export interface FindingInput {
	// Design variants (report/variants.ts): mainline, mainline@7.3, weak, …
	designs: readonly string[];
	claims: readonly ClaimDefinition[];
	cells: readonly CellResult[];
	pairClaims: readonly ClaimResult[];
}

const arch = moduleNames.arch;

// Where a cell's evidence is in a run folder.
export function evidenceHref(cellKey: string): string {
	return `cells/${cellKey.replace(/\//g, '__')}/result.json`;
}

// "weak/thumb2/neon/lib-first" → "thumb2/neon".
export const configOf = (key: string): string => key.split('/').slice(1, 3).join('/');

function listConfigs(keys: readonly string[]): string {
	return [...new Set(keys.map(configOf))].join(', ');
}

// A finding; the evidence link goes to `quoted` (the cell whose evidence the sentence quotes) or the first cell.
function finding(text: string, cells: string[], quoted?: string): Finding {
	const sorted = [...new Set(cells)].sort();
	return {text, cells: sorted, evidence: evidenceHref(quoted ?? sorted[0] ?? '')};
}

const resident = (modules: readonly string[] | undefined, name: string): boolean => residentLine(modules ?? [], name) !== undefined;

// A count in evidence text that varies from run to run: how many times something happened ("44× refused",
// "44 iterations", "13473 calls", "3 moments", "ran across 44"). Every other number is part of what was observed
// (exit codes, "vectors 3/4", refcounts, source lines, versions, names such as curve25519_neon) and never a range.
const countPattern = /(?<![\w.])\d+(?=×| (?:iterations|removals|refused|inserts|calls|wrong|moments)\b)|(?<=ran across )\d+(?![\w.])/g;

// Evidence with its counts blanked (by a character evidence never holds): texts of one kind differ only in their
// counts. A zero stays: "0 wrong" and "3 wrong", "0 removals allowed" and "2 removals allowed" are different
// observations, never one range.
export const evidenceKind = (text: string): string => text.replace(countPattern, m => (Number(m) === 0 ? '0' : '\u0000'));

// Texts of one kind as one: each count the texts agree on as it is, each other as "min–max" of what they say.
export function countRanges(texts: readonly string[]): string {
	const counts = texts.map(t => (t.match(countPattern) ?? []).map(Number));
	let slot = 0;
	return (texts[0] ?? '').replace(countPattern, match => {
		const values = counts.map(c => c[slot]!);
		slot++;
		const lo = Math.min(...values);
		const hi = Math.max(...values);
		return lo === hi ? match : `${lo}–${hi}`;
	});
}

// Claims that fail, per design: how many judged results fail with each evidence, and that evidence.
function claimFindings(input: FindingInput, design: string): Finding[] {
	const out: Finding[] = [];
	const cells = input.cells.filter(c => designVariant(c.id) === design);
	for (const claim of input.claims) {
		const results =
			claim.scope === 'pair'
				? input.pairClaims.filter(p => p.claim === claim.id && variantOfKey(p.cells?.[0] ?? '') === design).map(p => ({key: p.cells?.[1] ?? '', result: p}))
				: cells.flatMap(c => c.claims.filter(r => r.claim === claim.id).map(result => ({key: c.cellKey, result})));
		const judged = results.filter(r => r.result.verdict === 'holds' || r.result.verdict === 'fails');
		const failing = judged.filter(r => r.result.verdict === 'fails');
		if (failing.length === 0) continue;
		const unit = claim.scope === 'pair' ? 'configurations' : 'cells';
		// One sentence per kind of evidence, so no configuration is described by another's observation: evidence that
		// differs only in its counts (iterations under load, moments) is one sentence with each count as the range seen.
		const byKind = new Map<string, typeof failing>();
		for (const f of failing) byKind.set(evidenceKind(f.result.evidence), [...(byKind.get(evidenceKind(f.result.evidence)) ?? []), f]);
		for (const group of byKind.values()) {
			const evidence = countRanges(group.map(f => f.result.evidence));
			out.push(finding(`${design}: ${claim.id} fails in ${group.length} of ${judged.length} judged ${unit} (${listConfigs(group.map(f => f.key))}): ${evidence}.`, group.map(f => f.key), group[0]!.key));
		}
	}
	return out;
}

// The same removal answered differently by the tool and by the kernel.
function whoAnsweredFindings(input: FindingInput, design: string): Finding[] {
	const pairs = new Map<string, string[]>();
	for (const c of input.cells.filter(x => designVariant(x.id) === design)) {
		c.steps.forEach((step: StepResult, i) => {
			const next = c.steps[i + 1];
			if (step.tool === 'kernel' || !next || next.tool !== 'kernel' || step.exitCode === 0) return;
			if (step.label.split(' ')[1] !== next.label.split(' ')[1] || step.errno === next.errno) return;
			const text = `${design}: \`${step.argv.join(' ')}\` while the module is in use is refused by ${step.tool} itself with ${step.errno ?? `exit ${step.exitCode}`} (${step.message.split('\n')[0]}); the kernel's own answer (${next.label.split(' ')[0]}, O_NONBLOCK) is ${next.errno ?? (next.exitCode === 0 ? 'success' : `exit ${next.exitCode}`)}.`;
			pairs.set(text, [...(pairs.get(text) ?? []), c.cellKey]);
		});
	}
	return [...pairs].map(([text, cells]) => finding(text, cells));
}

// The kernel's own answer to a raw finit_module (no tool in between), where it refused.
function kernelRefusalFindings(input: FindingInput, design: string): Finding[] {
	const groups = new Map<string, string[]>();
	for (const c of input.cells.filter(x => designVariant(x.id) === design)) {
		for (const s of c.steps.filter(st => st.tool === 'kernel' && st.label.startsWith('finit_module ') && st.exitCode !== 0)) {
			const name = s.argv[s.argv.length - 1]!.split('/').pop();
			const text = `${design}: in ${c.id.scenario} the kernel itself refuses finit_module(${name}) with ${s.errno ?? `exit ${s.exitCode}`}`;
			groups.set(text, [...(groups.get(text) ?? []), c.cellKey]);
		}
	}
	return [...groups].map(([text, cells]) => finding(`${text} (${listConfigs(cells)}).`, cells));
}

// The stock module loader refusing the library whose weak reference stayed unresolved.
function loaderFindings(input: FindingInput, design: string): Finding[] {
	const cells = input.cells.filter(c => designVariant(c.id) === design && c.steps.some(s => s.label === 'insmod lib' && s.errno === 'ENOEXEC'));
	if (cells.length === 0) return [];
	return [finding(`${design}: on ${listConfigs(cells.map(c => c.cellKey))} the stock module loader refuses libcurve25519 with ENOEXEC (the call to an unresolved weak curve25519_arch cannot be relocated); the proposal needed "a tweak in the module loader (two lines but not pretty)", which this kernel does not have.`, cells.map(c => c.cellKey))];
}

// Both halves of modprobe's blacklist semantics, from the alias scenarios.
function aliasFindings(input: FindingInput, design: string): Finding[] {
	const out: Finding[] = [];
	const groups = new Map<string, string[]>();
	for (const c of input.cells.filter(x => designVariant(x.id) === design && (x.id.scenario === 'alias' || x.id.scenario === 'alias-blacklist'))) {
		const [alias, next] = c.steps;
		if (!alias?.resolved || !next) continue;
		const blacklisted = c.id.scenario === 'alias-blacklist';
		const loadedByAlias = resident(alias.modulesAfter, arch);
		const loadedByDependency = !loadedByAlias && resident(next.modulesAfter, arch);
		const text = `${design}: \`${alias.argv.join(' ')}\`${blacklisted ? ` with \`blacklist ${arch}\`` : ''} resolves to ${alias.resolved.modules.join(', ') || 'nothing'} and ${loadedByAlias ? `loads ${arch}` : `does not load ${arch}`} (${alias.errno ?? 'exit 0'})` +
			(blacklisted ? `; then \`${next.argv.join(' ')}\` ${loadedByDependency ? `loads ${arch} all the same: the blacklist is honoured for the alias lookup and not for what modprobe loads on the driver's behalf (dependencies, softdeps)` : `leaves ${arch} ${resident(next.modulesAfter, arch) ? 'loaded' : 'unloaded'} (${next.errno ?? 'exit 0'})`}.` : '.');
		groups.set(text, [...(groups.get(text) ?? []), c.cellKey]);
	}
	for (const [text, cells] of groups) out.push(finding(`${text.slice(0, -1)} (${listConfigs(cells)}).`, cells));
	return out;
}

// What depmod wrote for the library: whether the arch module is recorded as its dependency.
function depmodFindings(input: FindingInput, design: string): Finding[] {
	const groups = new Map<string, string[]>();
	for (const c of input.cells.filter(x => designVariant(x.id) === design && x.id.scenario === 'modprobe')) {
		const line = c.recorded?.modulesDep.find(l => /(^|\/)libcurve25519\.ko:/.test(l));
		if (!line) continue;
		const deps = line.split(':')[1]!.trim().split(/\s+/).filter(Boolean).map(d => d.split('/').pop()!);
		const modinfo = c.recorded?.modinfoDepends[moduleNames.lib] ?? '';
		const kmod = kmodMajor(c.guest?.kmod ?? '');
		const weakdep = c.recorded?.modulesWeakdep;
		const text = `${design}: depmod${kmod ? ` (kmod ${kmod})` : ''} records libcurve25519.ko's dependencies as ${deps.join(' ') || 'none'} (modinfo -F depends: ${modinfo || 'none'})${deps.includes('curve25519-neon.ko') ? ', so modprobe always loads the arch module before the library' : ''}` +
			`${weakdep ? `; it also writes modules.weakdep: ${weakdep.length ? weakdep.map(l => `\`${l}\``).join(', ') : 'empty (no module declares MODULE_WEAKDEP)'}` : ''}.`;
		groups.set(text, [...(groups.get(text) ?? []), c.cellKey]);
	}
	return [...groups].map(([text, cells]) => finding(text, cells));
}

// What unplugging under load did, per design, over the cells where it could be tried (arch module and driver
// loaded): removals that went through, calls made and wrong results, summed (the counts vary run to run).
function underLoadFindings(input: FindingInput, design: string): Finding[] {
	const cells = input.cells.filter(c => designVariant(c.id) === design && c.id.scenario === 'unplug-under-load').filter(c => {
		const verdict = c.claims.find(r => r.claim === 'C5b')?.verdict;
		return verdict === 'holds' || verdict === 'fails';
	});
	const loads = cells.map(c => c.steps.find(s => s.load)?.load).filter(l => l !== undefined);
	if (loads.length === 0) return [];
	const sum = (pick: (l: (typeof loads)[number]) => number): number => loads.reduce((n, l) => n + pick(l), 0);
	const refusal = loads.flatMap(l => Object.keys(l.refusals)).find(k => k.startsWith('refused: '));
	return [finding(
		`${design}: under load (${listConfigs(cells.map(c => c.cellKey))}), ${sum(l => l.removed)} of ${sum(l => l.iterations)} removals of ${arch} went through and ${sum(l => l.inserted)} re-insert${sum(l => l.inserted) === 1 ? '' : 's'}` +
			`${refusal ? ` (refused: ${refusal.slice(9)})` : ''}; the caller ran across ${sum(l => l.callerRanAcross)} of them, ${sum(l => l.calls)} calls, ${sum(l => l.wrong)} wrong; ` +
			`removal with the caller stopped: ${idleSummary(loads.map(l => l.idle))}${afterSummary(loads)}.`,
		cells.map(c => c.cellKey),
	)];
}

// "; after it 2780 calls without the arch module, 0 wrong (kernel: generic 2780×, NEON core 0×)": the caller's runs
// after the idle removals, summed; nothing when no removal went through.
function afterSummary(loads: readonly UnplugLoadResult[]): string {
	const after = loads.map(l => l.afterRemoval).filter(a => a !== undefined);
	if (after.length === 0) return '';
	const sum = (pick: (a: (typeof after)[number]) => number): number => after.reduce((n, a) => n + pick(a), 0);
	const traced = after.filter(a => a.kernel);
	const kernel = traced.length === after.length ? ` (kernel: generic ${sum(a => a.kernel!.counts.generic)}×, NEON core ${sum(a => a.kernel!.counts.neon)}×)` : '';
	return `; after it ${sum(a => a.calls)} calls without the arch module, ${sum(a => a.wrong)} wrong${kernel}`;
}

// "refused 3/3" / "removed 2/3, refused 1/3": the timing-free answer, over the cells.
function idleSummary(answers: readonly string[]): string {
	const counts = new Map<string, number>();
	for (const a of answers) counts.set(a, (counts.get(a) ?? 0) + 1);
	return [...counts].map(([answer, n]) => `${answer} ${n}/${answers.length}`).join(', ');
}

// Every finding, design by design, in a stable order.
export function findings(input: FindingInput): Finding[] {
	return input.designs.flatMap(design => [
		...claimFindings(input, design),
		...whoAnsweredFindings(input, design),
		...kernelRefusalFindings(input, design),
		...loaderFindings(input, design),
		...aliasFindings(input, design),
		...depmodFindings(input, design),
		...underLoadFindings(input, design),
	]);
}

// The findings as Markdown list items (the README carries this text between its findings markers).
export function findingsMarkdown(list: readonly Finding[], withLinks: boolean): string[] {
	return list.map(f => `- ${f.text}${withLinks ? ` [evidence](${f.evidence})` : ''}`);
}
