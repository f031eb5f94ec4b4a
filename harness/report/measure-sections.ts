// Report sections about measurements: vectors per path, timing (memory is in memory-sections.ts).
import {cell, configKey, matrixOrder, num, type Block, type TableCell} from './blocks.ts';
import type {ConfigId, Report, VectorCellReport, VectorPathReport} from './schema.ts';
import {kunitLine} from '../vectors/kunit-result.ts';

const tcg = 'measured under TCG emulation';
const maxBytesListed = 12;

function bytesText(bytes: readonly number[]): string {
	if (bytes.length === 0) return 'none (ok flag differs)';
	const shown = bytes.slice(0, maxBytesListed).join(', ');
	return bytes.length > maxBytesListed ? `${bytes.length} bytes: ${shown}, …` : `${bytes.length} byte(s): ${shown}`;
}

function failedText(p: VectorPathReport): string {
	if (p.failed.length === 0) return '0';
	return [`${p.failed.length}`, ...p.failed.map(f => `${f.id} (${bytesText(f.differingBytes)})`)].join('\n');
}

function pathRow(v: VectorCellReport, p: VectorPathReport): TableCell[] {
	return [
		cell(configKey(v)),
		cell(p.path),
		cell(p.servedBy.length > 0 ? p.servedBy.join('+') : '—'),
		cell(String(p.total)),
		cell(String(p.passed), p.passed === p.total ? 'holds' : 'fails'),
		cell(failedText(p), p.failed.length > 0 ? 'fails' : undefined),
		cell(num(p.opsPerSecond)),
		cell(num(p.guestSeconds, 2)),
		cell(p.path === 'api' ? (v.archToGenericSpeedRatio === undefined ? '—' : `${v.archToGenericSpeedRatio.toFixed(2)}×`) : ''),
	];
}

function runRow(v: VectorCellReport): TableCell[] {
	const sources = Object.entries(v.sources).map(([name, count]) => `${name}: ${count}`).join('\n');
	const iterated = v.iterated.map(i => `${i.id} ×${i.iterations} ${i.passed ? '✓' : '✗'} (${i.path})`).join('\n');
	return [
		cell(configKey(v)),
		cell(String(v.seed)),
		cell(sources || '—'),
		cell(iterated || '—', v.iterated.some(i => !i.passed) ? 'fails' : undefined),
		cell(v.error ?? (v.unavailable ? `library unavailable: ${v.unavailable}` : ''), v.error ? 'error' : v.unavailable ? 'na' : undefined),
	];
}

// The kernel's own KUnit suite per cell (kernels that have one): kunit.py's counts and the KTAP result lines.
function kunitBlocks(cells: readonly VectorCellReport[]): Block[] {
	const withKunit = cells.filter(v => v.kunit);
	if (withKunit.length === 0) return [];
	const rows = withKunit.map(v => {
		const k = v.kunit!;
		const results = k.ktap.filter(l => /^\s*(not )?ok \d+ /.test(l)).map(l => l.trim()).join('\n');
		const bad = (k.counts?.failed ?? 0) + (k.counts?.crashed ?? 0) > 0;
		return [cell(configKey(v)), cell(`${k.suite} (${k.module})`), cell(kunitLine(k).replace(/^KUnit \S+: /, ''), bad ? 'fails' : k.counts ? 'holds' : 'na'), cell(results || '—')];
	});
	return [
		{kind: 'paragraph', text: "The kernel's own KUnit suite for the library, loaded in the vector cell's guest after the design's modules (so it calls that design's libcurve25519 through the real API) and parsed by the kernel tree's tools/testing/kunit/kunit.py parse."},
		{kind: 'table', header: ['Configuration', 'Suite (module)', 'Result (kunit.py parse)', 'KTAP results'], rows},
	];
}

// A cell the interrupt stopped or never started: 'not run' (never an error), dashes for the rest.
function notRunRow(c: ConfigId, columns: number): TableCell[] {
	return [cell(configKey(c)), cell('not run', 'skipped'), ...Array.from({length: columns - 2}, () => cell('—', 'skipped'))];
}

// Vectors per cell and path: counts, failures with differing bytes, speeds under TCG; cells not run listed as such.
export function vectorBlocks(report: Report): Block[] {
	const blocks: Block[] = [{kind: 'heading', level: 2, text: 'Vectors'}];
	const order = matrixOrder(report);
	const notRun = [...(report.vectorsNotRun ?? [])].sort(order);
	if (report.vectors.length === 0 && notRun.length === 0) return [...blocks, {kind: 'paragraph', text: 'No vector cells in this run.'}];
	const cells = [...report.vectors].sort(order);
	const withNotRun = <T extends ConfigId>(done: {at: T; rows: TableCell[][]}[], columns: number): TableCell[][] =>
		[...done, ...notRun.map(c => ({at: c as ConfigId, rows: [notRunRow(c, columns)]}))].sort((a, b) => order(a.at, b.at)).flatMap(e => e.rows);
	blocks.push(
		{
			kind: 'paragraph',
			text:
				`Speeds are ${tcg} (QEMU translating ARM code on the host), not on ARM hardware: compare the paths of one cell ` +
				'with each other, never with hardware figures. The ratio is api ops/s divided by generic ops/s.',
		},
		{
			kind: 'table',
			header: ['Configuration', 'Path', 'Served by', 'Total', 'Passed', 'Failed', `ops/s (${tcg})`, 'Guest s', 'arch/generic ratio'],
			rows: withNotRun(cells.map(v => ({at: v, rows: v.paths.map(p => pathRow(v, p))})), 9),
		},
		{kind: 'table', header: ['Configuration', 'Seed', 'Sources', 'Iterated', 'Error'], rows: withNotRun(cells.map(v => ({at: v, rows: [runRow(v)]})), 5)},
	);
	blocks.push(...kunitBlocks(cells));
	if (notRun.length > 0) blocks.push({kind: 'paragraph', text: `${notRun.length} vector cell${notRun.length === 1 ? ' was' : 's were'} not run (the run was interrupted): ${notRun.map(configKey).join(', ')}.`});
	const failures = cells.flatMap(v => v.paths.flatMap(p => p.failed.map(f => ({v, p, f}))));
	if (failures.length > 0) {
		blocks.push({kind: 'heading', level: 3, text: 'Failed vectors'});
		blocks.push({
			kind: 'table',
			header: ['Configuration', 'Path', 'Test', 'Differing bytes', 'Expected', 'Got'],
			rows: failures.map(({v, p, f}) => [
				cell(configKey(v)),
				cell(p.path),
				cell(f.id, 'fails'),
				cell(bytesText(f.differingBytes)),
				cell(`${f.expectedHex || '—'}\nok=${f.expectedOk}`),
				cell(`${f.gotHex || '—'}\nok=${f.gotOk}`),
			]),
		});
	}
	return blocks;
}

// Wall time, median cell time and parallelism.
export function timingBlocks(report: Report): Block[] {
	const {timing} = report;
	const errors = report.cells.filter(c => c.status === 'error').length;
	return [
		{kind: 'heading', level: 2, text: 'Timing'},
		{
			kind: 'list',
			items: [
				`Wall time: ${num(timing.wallSeconds)} s with ${timing.jobs} parallel job(s)`,
				`Median cell: ${timing.cellMedianSeconds === undefined ? '—' : `${num(timing.cellMedianSeconds)} s`}`,
				`Cells: ${report.cells.length} run (${report.cells.length - errors} completed, ${errors} errored), ${report.notRun.length} not run`,
			],
		},
	];
}
