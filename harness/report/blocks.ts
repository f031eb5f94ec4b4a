// The report as plain blocks (headings, tables, diffs), so report.md and report.html say the same things.
import {cellKey, configKey, profileName, type ConfigName} from '../scenarios/config-key.ts';
import type {Finding} from './findings.ts';
import type {Report} from './schema.ts';

// How a table cell is coloured in HTML; Markdown relies on the words (holds, FAILS, n/a).
export type Tone = 'holds' | 'fails' | 'na' | 'error' | 'skipped';

export interface TableCell {
	// Plain text; '\n' separates lines within the cell.
	text: string;
	tone?: Tone;
	// A link inside the run folder (a cell's result.json, its logs beside it).
	href?: string;
}

export type Block =
	| {kind: 'heading'; level: 1 | 2 | 3; text: string}
	| {kind: 'paragraph'; text: string; strong?: boolean}
	// widths: column widths in percent for HTML (fixed layout, so a long cell wraps instead of widening the page).
	| {kind: 'table'; header: string[]; rows: TableCell[][]; widths?: number[]}
	| {kind: 'code'; language: 'diff' | 'text'; lines: string[]}
	| {kind: 'list'; items: string[]}
	// Generated findings: a sentence, the cells that show it, a link to the evidence.
	| {kind: 'findings'; items: Finding[]}
	// Arch code resident per design × CPU: an SVG bar chart in HTML, the same figures as a table in Markdown.
	| {kind: 'memory-chart'; bars: ResidentBar[]}
	// A collapsible section (HTML <details>, which GitHub's Markdown renders too): detail a reader opens on demand.
	| {kind: 'details'; summary: string; blocks: Block[]};

// One design × profile × CPU of the resident-arch-code chart.
export interface ResidentBar {
	design: string;
	profile: string;
	cpu: string;
	// The CPU model has NEON (the arch code can run on it); undefined for a model kplug does not know.
	neon: boolean | undefined;
	// Pages backing the arch module (/proc/vmallocinfo pages=, 4 KiB each): 0 when not resident, undefined when not measured.
	pages: number | undefined;
	// The module as the kernel accounts it: /sys/module coresize + initsize (the /proc/modules size).
	moduleBytes: number | undefined;
	// The within-boot rounds' VmallocUsed change on insert (median, kB) and their control noise floor.
	withinBoot?: {kb: number; noiseFloorKb: number | null};
	// Why a bar is 0 or missing ('insmod refused: No such device', 'not run', 'not measured').
	note?: string;
	// The arch code has no module of its own (a consolidated library): the pages are that module's, and moduleBytes
	// the NEON core's bytes inside it.
	insideModule?: string;
}

export interface Configuration {
	design: string;
	profile: string;
	cpu: string;
	kernel?: string;
	userland?: string;
	// "design/profile/cpu"
	key: string;
}

type Configured = ConfigName;

// The "design/profile/cpu" name of a configuration, and a cell's "design/profile/cpu/scenario" key (the runner's).
export {configKey, cellKey as idKey};

function rank(list: readonly string[], value: string): number {
	const at = list.indexOf(value);
	return at < 0 ? list.length : at;
}

// A comparator putting configurations in matrix order (design, then profile, then cpu).
export function matrixOrder(report: Report): (a: Configured, b: Configured) => number {
	const {designs, profiles, cpus} = report.matrix;
	return (a, b) =>
		rank(designs, a.design) - rank(designs, b.design) ||
		a.design.localeCompare(b.design) ||
		rank(profiles, a.profile) - rank(profiles, b.profile) ||
		a.profile.localeCompare(b.profile) ||
		// The same profile on other kernels and userlands (thumb2, thumb2@6.12, thumb2@6.12+trixie): by name, so the
		// order never depends on which cell finished first.
		profileName(a).localeCompare(profileName(b)) ||
		rank(cpus, a.cpu) - rank(cpus, b.cpu) ||
		a.cpu.localeCompare(b.cpu);
}

// Every configuration that ran or was meant to run (cells and not-run ids), in matrix order.
export function configurations(report: Report): Configuration[] {
	const seen = new Map<string, Configuration>();
	const add = (c: Configured): void => {
		const key = configKey(c);
		if (!seen.has(key)) seen.set(key, {design: c.design, profile: c.profile, cpu: c.cpu, ...(c.kernel ? {kernel: c.kernel} : {}), ...(c.userland ? {userland: c.userland} : {}), key});
	};
	// From what ran or was meant to run (cells and not-run ids carry their kernel), never a cross product of the
	// matrix lists: that would invent default-kernel columns for a run on another kernel.
	report.cells.forEach(c => add(c.id));
	report.notRun.forEach(add);
	return [...seen.values()].sort(matrixOrder(report));
}

// Scenario ids in matrix order, plus any that only the results mention.
export function scenarioIds(report: Report): string[] {
	const ids = report.matrix.scenarios.map(s => s.id);
	for (const id of [...report.cells.map(c => c.id), ...report.notRun].map(i => i.scenario)) {
		if (!ids.includes(id)) ids.push(id);
	}
	return ids;
}

// A number for a table: integers as they are, others to `digits` decimals; undefined as a dash.
export function num(value: number | undefined, digits = 1): string {
	if (value === undefined || !Number.isFinite(value)) return '—';
	return Number.isInteger(value) ? String(value) : value.toFixed(digits);
}

// A table cell.
export function cell(text: string, tone?: Tone): TableCell {
	return tone === undefined ? {text} : {text, tone};
}
