// The whole report as blocks: headline claims × configurations first, then the evidence behind it.
import {defaultKernel} from '../build/kernels.ts';
import {defaultUserland} from '../setup/userlands.ts';
import {pairConfig} from '../scenarios/claims.ts';
import {profileName} from '../scenarios/config-key.ts';
import type {ClaimResult} from '../scenarios/types.ts';
import {cell, configKey, configurations, type Block, type TableCell} from './blocks.ts';
import {deviationBlocks, flakeBlocks, notRunBlocks, scenarioBlocks} from './cell-sections.ts';
import {findings} from './findings.ts';
import {timingBlocks, vectorBlocks} from './measure-sections.ts';
import {memoryBlocks} from './memory-sections.ts';
import type {Report} from './schema.ts';
import {summarizeVerdicts} from './verdict-summary.ts';
import {verdictCell} from './verdict-cell.ts';
import {designVariant, designVariants, variantOfKey} from './variants.ts';

export {summarizeResults, summarizeVerdicts, type JudgedResult, type VerdictSummary} from './verdict-summary.ts';

// The pair-claim results whose cells belong to a configuration filter.
function pairsWhere(report: Report, keep: (configKey: string) => boolean): ClaimResult[] {
	return (report.pairClaims ?? []).filter(p => keep(pairConfig(p)));
}

function claimIds(report: Report): string[] {
	const ids = report.claims.map(c => c.id);
	for (const c of report.cells) {
		for (const r of c.claims) if (!ids.includes(r.claim)) ids.push(r.claim);
	}
	return ids;
}

// The kernels the cells ran on (a cell without one ran on the default kernel), each with the release a guest of it
// reported: the header's "Kernel" line names only the report's build of the default profile.
function kernelsOf(report: Report): string[] {
	const ids = [...new Set([...report.cells.map(c => c.id), ...report.notRun].map(id => id.kernel ?? defaultKernel))];
	return ids.map(id => {
		const guest = report.cells.find(c => (c.id.kernel ?? defaultKernel) === id && c.guest)?.guest;
		const release = guest ? /^Linux version (\S+)/.exec(guest.kernel)?.[1] : undefined;
		return release ? `${id} (${release})` : id;
	});
}

// The guest userlands the cells ran on, each with the kmod a guest of it reported; none when every cell ran on the
// default userland (the header then reads as it always did).
function userlandsOf(report: Report): string[] {
	const ids = [...new Set([...report.cells.map(c => c.id), ...report.notRun].map(id => id.userland ?? defaultUserland))];
	if (ids.length === 1 && ids[0] === defaultUserland) return [];
	return ids.map(id => {
		const kmod = report.cells.find(c => (c.id.userland ?? defaultUserland) === id && c.guest)?.guest?.kmod;
		const version = kmod ? /^kmod version (\S+)/.exec(kmod)?.[1] : undefined;
		return version ? `${id} (kmod ${version})` : id;
	});
}

function headerBlocks(report: Report): Block[] {
	const {host, kernel, matrix} = report;
	const userlands = userlandsOf(report);
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
				`Kernels: ${kernelsOf(report).join(', ') || '—'}`,
				...(userlands.length > 0 ? [`Userlands: ${userlands.join(', ')}`] : []),
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
	const table: Block[] = [
		rows.length > 0
			? {kind: 'table', header: ['Claim', ...configs.map(c => c.key)], rows}
			: {kind: 'paragraph', text: 'No claims were evaluated.'},
		{
			kind: 'paragraph',
			text: 'Each cell counts the configuration\'s scenarios where the claim applies: "holds h/n", or "FAILS f/n" with the failing scenarios; "n/a" when no scenario decides it.',
		},
		...(legend.length > 0 ? [{kind: 'table', header: ['Claim', 'Statement', 'Source'], rows: legend} satisfies Block] : []),
	];
	return [
		{kind: 'heading', level: 2, text: 'Claims × configurations'},
		// The verdict table above aggregates this; the per-configuration split is detail.
		{kind: 'details', summary: `Per configuration: ${configs.length} design/profile/CPU columns, and where each claim comes from`, blocks: table},
	];
}

// The verdict table: one row per claim (written out), one column per design, each cell aggregated over
// profiles and CPUs with its exceptions named and a link to the evidence; then the findings built from the data.
export function verdictBlocks(report: Report): Block[] {
	// One column per design variant: mainline on a kernel that links the NEON code into the library is its own.
	const designs = designVariants(report.matrix.designs, [...report.cells.map(c => c.id), ...report.notRun]);
	const rows: TableCell[][] = claimIds(report).map(claim => {
		const text = report.claims.find(c => c.id === claim)?.text;
		return [
			cell(text ? `${claim}: ${text}` : claim),
			...designs.map(design => {
				const cells = report.cells.filter(c => designVariant(c.id) === design);
				const notRun = report.notRun.filter(id => designVariant(id) === design).length;
				return verdictCell(claim, cells, notRun, pairsWhere(report, k => variantOfKey(k) === design));
			}),
		];
	});
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
		rows.length > 0 ? {kind: 'table', header: ['Claim', ...designs], rows, widths: [40, ...designs.map(() => Math.floor(60 / Math.max(1, designs.length)))]} : {kind: 'paragraph', text: 'No claims were evaluated.'},
		{kind: 'heading', level: 2, text: 'Findings'},
		list.length > 0 ? {kind: 'findings', items: list} : {kind: 'paragraph', text: 'No findings: no claim failed and nothing else notable was observed.'},
	];
}

// What depmod and modinfo recorded for each design's modules (one image per design and profile).
export function recordedBlocks(report: Report): Block[] {
	const rows: TableCell[][] = [];
	const seen = new Set<string>();
	for (const c of report.cells) {
		const key = `${c.id.design}/${profileName(c.id)}`;
		if (!c.recorded || seen.has(key) || c.id.scenario !== 'modprobe') continue;
		seen.add(key);
		for (const [module, depends] of Object.entries(c.recorded.modinfoDepends)) {
			const file = `${module.replace(/_/g, '-')}.ko:`;
			const dep = c.recorded.modulesDep.find(l => l.split(':')[0]!.endsWith(`/${file.slice(0, -1)}`)) ?? '—';
			// "weakdep <module> <dependency>": the module's name as kmod normalises it (dashes are underscores).
			const weak = c.recorded.modulesWeakdep?.filter(l => l.split(/\s+/)[1]?.replace(/-/g, '_') === module.replace(/-/g, '_'));
			rows.push([cell(key), cell(module), cell(dep.replace(/kernel\/kplug\//g, '')), cell(depends || '(none)'), cell(weak === undefined ? '(no file)' : weak.join('; ') || '—')]);
		}
	}
	if (rows.length === 0) return [];
	return [
		{kind: 'heading', level: 2, text: 'What the tools recorded'},
		{kind: 'paragraph', text: 'Per design and profile, from the guest image of the modprobe cell: the modules.dep line depmod wrote for each module, `modinfo -F depends` (what modpost put in the module), and the module\'s modules.weakdep lines (MODULE_WEAKDEP; kmod 33+ writes the file, kmod 30 does not: "(no file)").'},
		{kind: 'table', header: ['Design/profile', 'Module', 'modules.dep', 'modinfo -F depends', 'modules.weakdep'], rows},
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
