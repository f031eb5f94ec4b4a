// The whole report as blocks: headline claims × configurations first, then the evidence behind it.
import type {CellResult} from '../scenarios/types.ts';
import {cell, configKey, configurations, type Block, type TableCell, type Tone} from './blocks.ts';
import {deviationBlocks, flakeBlocks, notRunBlocks, scenarioBlocks} from './cell-sections.ts';
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

// Summarise one claim over one configuration's cells: "holds 3/3", "FAILS 1/2 (lib-first)" or "n/a".
export function summarizeVerdicts(claim: string, cells: readonly CellResult[], notRun = 0): VerdictSummary {
	const summary: VerdictSummary = {holds: 0, fails: 0, na: 0, failing: [], errored: 0, notRun, text: '', tone: 'na'};
	for (const c of cells) {
		const verdict = c.claims.find(r => r.claim === claim)?.verdict;
		if (verdict === undefined && c.status === 'error') summary.errored++;
		else if (verdict === 'holds') summary.holds++;
		else if (verdict === 'fails') {
			summary.fails++;
			if (!summary.failing.includes(c.id.scenario)) summary.failing.push(c.id.scenario);
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
		...(summary.errored > 0 ? [`${summary.errored} errored`] : []),
		...(notRun > 0 && text !== 'not run' ? [`${notRun} not run`] : []),
	];
	summary.text = [text, ...extra].join('; ');
	return summary;
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
			const summary = summarizeVerdicts(claim, cells, notRun);
			return cell(summary.text, summary.tone);
		}),
	]);
	const legend: TableCell[][] = report.claims.map(c => [cell(c.id), cell(c.text), cell(c.source)]);
	return [
		{kind: 'heading', level: 2, text: 'Claims × configurations'},
		{
			kind: 'paragraph',
			strong: true,
			text:
				'A claim that FAILS is a finding about the design under test, not a test failure: the rig ran and observed ' +
				'that the design does not behave as claimed. Errors (the cell could not run) are reported separately.',
		},
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

// Every section of the report, in reading order.
export function reportDocument(report: Report): Block[] {
	return [
		...headerBlocks(report),
		...headlineBlocks(report),
		...scenarioBlocks(report),
		...deviationBlocks(report),
		...flakeBlocks(report),
		...vectorBlocks(report),
		...memoryBlocks(report),
		...notRunBlocks(report),
		...timingBlocks(report),
	];
}
