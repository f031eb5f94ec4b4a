// The whole report as blocks: headline claims × configurations first, then the evidence behind it.
import type {CellResult, ClaimResult} from '../scenarios/types.ts';
import {cell, configKey, configurations, type Block, type TableCell, type Tone} from './blocks.ts';
import {deviationBlocks, flakeBlocks, notRunBlocks, scenarioBlocks} from './cell-sections.ts';
import {findings} from './findings.ts';
import {memoryBlocks, timingBlocks, vectorBlocks} from './measure-sections.ts';
import type {Report} from './schema.ts';

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

// The pair-claim results whose cells belong to a configuration filter.
function pairsWhere(report: Report, keep: (configKey: string) => boolean): ClaimResult[] {
	return (report.pairClaims ?? []).filter(p => keep((p.cells?.[0] ?? '').split('/').slice(0, 3).join('/')));
}

function claimIds(report: Report): string[] {
	const ids = report.claims.map(c => c.id);
	for (const c of report.cells) {
		for (const r of c.claims) if (!ids.includes(r.claim)) ids.push(r.claim);
	}
	return ids;
}

function headerBlocks(report: Report): Block[] {
	const {host, kernel, matrix} = report;
	return [
		{kind: 'heading', level: 1, text: 'kplug report'},
		{
			kind: 'paragraph',
			text:
				`Generated ${report.generatedAt} by kplug ${report.kplugVersion} (${report.schema}). ` +
				`Kernel ${kernel.sourcePackage} ${kernel.sourceVersion} (${kernel.release}); ` +
				`host: ${host.cores} cores, Node ${host.node}, ${host.qemu}, ${host.emulation} emulation.`,
		},
		{
			kind: 'list',
			items: [
				`Designs: ${matrix.designs.join(', ') || '—'}`,
				`Profiles: ${matrix.profiles.join(', ') || '—'}`,
				`CPUs: ${matrix.cpus.join(', ') || '—'}`,
				`Scenarios: ${matrix.scenarios.map(s => s.id).join(', ') || '—'}`,
			],
		},
	];
}

// The headline: one row per claim, one column per design/profile/cpu configuration.
export function headlineBlocks(report: Report): Block[] {
	const configs = configurations(report);
	const rows: TableCell[][] = claimIds(report).map(claim => [
		cell(claim),
		...configs.map(config => {
			const cells = report.cells.filter(c => configKey(c.id) === config.key);
			const notRun = report.notRun.filter(id => configKey(id) === config.key).length;
			const summary = summarizeVerdicts(claim, cells, notRun, pairsWhere(report, k => k === config.key));
			return cell(summary.text, summary.tone);
		}),
	]);
	const legend: TableCell[][] = report.claims.map(c => [cell(c.id), cell(c.text), cell(c.source)]);
	return [
		{kind: 'heading', level: 2, text: 'Claims × configurations'},
		rows.length > 0
			? {kind: 'table', header: ['Claim', ...configs.map(c => c.key)], rows}
			: {kind: 'paragraph', text: 'No claims were evaluated.'},
		{
			kind: 'paragraph',
			text: 'Each cell counts the configuration\'s scenarios where the claim applies: "holds h/n", or "FAILS f/n" with the failing scenarios; "n/a" when no scenario decides it.',
		},
		...(legend.length > 0 ? [{kind: 'table', header: ['Claim', 'Statement', 'Source'], rows: legend} satisfies Block] : []),
	];
}

// The verdict table: one row per claim, one column per design, then the findings built from the data.
export function verdictBlocks(report: Report): Block[] {
	const designs = report.matrix.designs;
	const rows: TableCell[][] = claimIds(report).map(claim => [
		cell(claim),
		...designs.map(design => {
			const cells = report.cells.filter(c => c.id.design === design);
			const notRun = report.notRun.filter(id => id.design === design).length;
			const summary = summarizeVerdicts(claim, cells, notRun, pairsWhere(report, k => k.startsWith(`${design}/`)));
			return cell(summary.text, summary.tone);
		}),
		cell(report.claims.find(c => c.id === claim)?.text ?? ''),
	]);
	const list = findings({designs, claims: report.claims, cells: report.cells, pairClaims: report.pairClaims ?? []});
	return [
		{kind: 'heading', level: 2, text: 'Verdicts'},
		{
			kind: 'paragraph',
			strong: true,
			text:
				'A claim that FAILS is a finding about the design under test, not a test failure: the rig ran and observed ' +
				'that the design does not behave as claimed. "not evaluated": the observations were not made (the cell errored or a pair\'s partner did not run).',
		},
		rows.length > 0 ? {kind: 'table', header: ['Claim', ...designs, 'Statement'], rows} : {kind: 'paragraph', text: 'No claims were evaluated.'},
		{kind: 'heading', level: 2, text: 'Findings'},
		list.length > 0 ? {kind: 'findings', items: list} : {kind: 'paragraph', text: 'No findings: no claim failed and nothing else notable was observed.'},
	];
}

// What depmod and modinfo recorded for each design's modules (one image per design and profile).
export function recordedBlocks(report: Report): Block[] {
	const rows: TableCell[][] = [];
	const seen = new Set<string>();
	for (const c of report.cells) {
		const key = `${c.id.design}/${c.id.profile}`;
		if (!c.recorded || seen.has(key) || c.id.scenario !== 'modprobe') continue;
		seen.add(key);
		for (const [module, depends] of Object.entries(c.recorded.modinfoDepends)) {
			const file = `${module.replace(/_/g, '-')}.ko:`;
			const dep = c.recorded.modulesDep.find(l => l.split(':')[0]!.endsWith(`/${file.slice(0, -1)}`)) ?? '—';
			rows.push([cell(key), cell(module), cell(dep.replace(/kernel\/kplug\//g, '')), cell(depends || '(none)')]);
		}
	}
	if (rows.length === 0) return [];
	return [
		{kind: 'heading', level: 2, text: 'What the tools recorded'},
		{kind: 'paragraph', text: 'Per design and profile, from the guest image of the modprobe cell: the modules.dep line depmod wrote for each module, and `modinfo -F depends` (what modpost put in the module).'},
		{kind: 'table', header: ['Design/profile', 'Module', 'modules.dep', 'modinfo -F depends'], rows},
	];
}

// Every section of the report, in reading order.
export function reportDocument(report: Report): Block[] {
	return [
		...headerBlocks(report),
		...verdictBlocks(report),
		...headlineBlocks(report),
		...recordedBlocks(report),
		...scenarioBlocks(report),
		...deviationBlocks(report),
		...flakeBlocks(report),
		...vectorBlocks(report),
		...memoryBlocks(report),
		...notRunBlocks(report),
		...timingBlocks(report),
	];
}
