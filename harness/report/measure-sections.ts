// Report sections about measurements: vectors per path, memory with/without the arch module, timing.
import {cell, configKey, matrixOrder, num, type Block, type TableCell} from './blocks.ts';
import type {MemoryRow, Report, VectorCellReport, VectorPathReport} from './schema.ts';

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

// Vectors per cell and path: counts, failures with differing bytes, speeds under TCG.
export function vectorBlocks(report: Report): Block[] {
	const blocks: Block[] = [{kind: 'heading', level: 2, text: 'Vectors'}];
	if (report.vectors.length === 0) return [...blocks, {kind: 'paragraph', text: 'No vector cells in this run.'}];
	const cells = [...report.vectors].sort(matrixOrder(report));
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
			rows: cells.flatMap(v => v.paths.map(p => pathRow(v, p))),
		},
		{kind: 'table', header: ['Configuration', 'Seed', 'Sources', 'Iterated', 'Error'], rows: cells.map(runRow)},
	);
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

// Memory with and without the arch module: rows, comparisons and their statements, and a chart.
export function memoryBlocks(report: Report): Block[] {
	const blocks: Block[] = [{kind: 'heading', level: 2, text: 'Memory'}];
	const memory = report.memory;
	if (!memory || (memory.rows.length === 0 && memory.comparisons.length === 0)) {
		return [...blocks, {kind: 'paragraph', text: 'No memory measurements in this run.'}];
	}
	const order = matrixOrder(report);
	// Stable sort: situations keep the order the memory stage gave them.
	const rows = [...memory.rows].sort(order);
	const comparisons = [...memory.comparisons].sort(order);
	blocks.push({
		kind: 'table',
		header: ['Configuration', 'Situation', 'arch resident', 'arch core size (bytes)', 'arch init size (bytes)', 'arch vmalloc bytes (pages)', 'MemAvailable median (kB)', 'MemAvailable spread (kB)', 'Boots'],
		rows: rows.map(r => [
			cell(configKey(r)),
			cell(r.situation),
			cell(r.archResident ? 'yes' : 'no'),
			cell(num(r.archCoreSize)),
			cell(num(r.archInitSize)),
			cell(r.archVmallocBytes === undefined ? '—' : `${r.archVmallocBytes} (${num(r.archVmallocPages)})`),
			cell(num(r.memAvailableMedianKb)),
			cell(num(r.memAvailableSpreadKb)),
			cell(String(r.boots)),
		]),
	});
	blocks.push({kind: 'list', items: savedStatements(rows)});
	const notes = rows.filter(r => r.notes?.length).map(r => `${configKey(r)} (${r.situation}): ${r.notes!.join('; ')}`);
	if (notes.length > 0) blocks.push({kind: 'list', items: notes});
	if (comparisons.length > 0) {
		blocks.push({
			kind: 'table',
			header: ['Configuration', 'Field', 'Median with (kB)', 'Median without (kB)', 'Difference (kB)', 'Noise floor (kB)', 'Above noise?'],
			rows: comparisons.map(c => [
				cell(configKey(c)),
				cell(c.field),
				cell(num(c.medianWithKb)),
				cell(num(c.medianWithoutKb)),
				cell(num(c.differenceKb)),
				cell(num(c.noiseFloorKb)),
				cell(c.aboveNoise ? 'yes' : 'no, within noise', c.aboveNoise ? undefined : 'na'),
			]),
		});
		blocks.push({kind: 'list', items: comparisons.map(c => `${configKey(c)}, ${c.field}: ${c.statement}`)});
	}
	blocks.push({kind: 'memory-chart', rows, comparisons});
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

// Headline per configuration: what not loading the arch module saves, and what the design achieves.
function savedStatements(rows: readonly MemoryRow[]): string[] {
	const byConfig = new Map<string, MemoryRow[]>();
	for (const r of rows) byConfig.set(configKey(r), [...(byConfig.get(configKey(r)) ?? []), r]);
	return [...byConfig.entries()].map(([config, rs]) => {
		const loaded = rs.find(r => r.situation.startsWith('loaded'));
		if (!loaded) return `${config}: no 'loaded' measurement`;
		if (!loaded.archResident) return `${config}: the arch module refused to load, so nothing is resident and nothing is there to save (the design already achieves the saving)`;
		const pages = loaded.archVmallocPages ?? 0;
		return `${config}: not loading the arch module saves ${num(loaded.archCoreSize)} bytes of module core (${pages} page${pages === 1 ? '' : 's'}, ${pages * 4} KiB resident; ${num(loaded.archVmallocBytes)} bytes of module address space with the guard page); when asked to load it, this design keeps it resident`;
	});
}
