// The report's memory section: arch code resident per design × CPU (the chart that answers the question),
// the within-boot deltas against their control noise floor, then the across-boot rows and comparisons.
import {cpuModels} from '../vm/cpu-models.ts';
import {profileName} from '../scenarios/config-key.ts';
import {cell, configKey, matrixOrder, num, type Block, type ResidentBar, type TableCell, type Tone} from './blocks.ts';
import type {ConfigId, MemoryReport, MemoryRow, Report, WithinBootReport} from './schema.ts';
import type {WithinBootFigure} from '../memory/within-boot-stats.ts';

// The counters the within-boot table shows (every counter's statement is in the details below it).
const shownFields = ['VmallocUsed', 'vmallocinfo module areas', 'MemAvailable', 'MemFree', 'SUnreclaim'];

// "insmod arch: insmod: ERROR: could not insert module …: No such device" → "insmod refused: No such device".
function refusal(notes: readonly string[] | undefined): string | undefined {
	const note = notes?.find(n => n.startsWith('insmod arch') || n.startsWith('modprobe arch'));
	return note && `insmod refused: ${note.split(': ').at(-1)}`;
}

// One bar per configuration: from the 'loaded' boots' exact readings, else from the within-boot rounds' own.
export function residentBars(memory: MemoryReport): ResidentBar[] {
	const within = new Map((memory.withinBoot ?? []).map(w => [configKey(w), w]));
	const notRun = new Set((memory.withinBootNotRun ?? []).map(configKey));
	const configs = new Map<string, ConfigId>();
	for (const c of [...memory.rows, ...within.values(), ...(memory.withinBootNotRun ?? [])]) configs.set(configKey(c), c);
	return [...configs.entries()].map(([key, c]) => {
		const loaded = memory.rows.find(r => configKey(r) === key && r.situation.startsWith('loaded'));
		const w = within.get(key);
		const vmalloc = w?.figures?.find(f => f.field === 'VmallocUsed');
		const base: ResidentBar = {
			design: c.design, profile: profileName(c), cpu: c.cpu, neon: cpuModels.find(m => m.name === c.cpu)?.neon, pages: undefined, moduleBytes: undefined,
			...(vmalloc ? {withinBoot: {kb: vmalloc.insert.median, noiseFloorKb: vmalloc.noiseFloor}} : {}),
		};
		if (loaded && loaded.boots > 0) {
			if (!loaded.archResident) return {...base, pages: 0, moduleBytes: 0, note: refusal(loaded.notes) ?? 'not resident'};
			// The arch code inside the library (a consolidated design): its NEON bytes, not the whole module's.
			if (loaded.archModule) return {...base, pages: loaded.archVmallocPages, moduleBytes: loaded.neonCoreBytes, insideModule: loaded.archModule, note: `${loaded.archModule}'s pages: coresize ${loaded.archCoreSize ?? '?'} B, no arch module of its own`};
			return {...base, pages: loaded.archVmallocPages, moduleBytes: (loaded.archCoreSize ?? 0) + (loaded.archInitSize ?? 0)};
		}
		if (w?.figures) {
			if (!w.exact) return {...base, pages: 0, moduleBytes: 0, note: w.refused ? `insmod refused: ${w.refused}` : 'not resident'};
			return {...base, pages: w.exact.vmallocPages, moduleBytes: w.exact.coreSize + w.exact.initSize, note: 'within-boot reading'};
		}
		return {...base, note: loaded?.bootsNotRun || notRun.has(key) ? 'not run' : 'not measured'};
	});
}

function deltaText(f: WithinBootFigure | undefined): TableCell {
	if (!f) return cell('—');
	const sign = (v: number): string => (v > 0 ? `+${num(v)}` : num(v));
	const range = f.insert.range === 0 ? '' : ` [${sign(f.insert.min)}…${sign(f.insert.max)}]`;
	const floor = f.noiseFloor === null ? 'noise floor unknown' : `noise floor ${num(f.noiseFloor)} kB: ${f.canSee ? 'sees' : 'cannot see'} ${f.resolution} kB`;
	const tone: Tone | undefined = f.canSee ? (f.aboveNoise ? 'holds' : undefined) : 'na';
	return cell(`${sign(f.insert.median)} kB${range}\n${floor}`, tone);
}

function exactText(w: WithinBootReport): string {
	if (!w.exact) return w.refused ? `not resident (insmod refused: ${w.refused})` : 'not resident';
	const {coreSize, initSize, procModulesSize, vmallocPages, vmallocBytes} = w.exact;
	return `coresize ${coreSize} + initsize ${initSize} B; /proc/modules ${procModulesSize} B; vmallocinfo ${vmallocPages} pages (${vmallocBytes} B with guard)`;
}

function withinBootRow(w: WithinBootReport): TableCell[] {
	if (w.error) return [cell(configKey(w)), cell(`not measured: ${w.error}`, 'error'), ...shownFields.map(() => cell('—'))];
	return [cell(configKey(w)), cell(`${exactText(w)}\n${w.residentRounds ?? 0} of ${w.rounds ?? 0} insert rounds resident`), ...shownFields.map(field => deltaText(w.figures?.find(f => f.field === field)))];
}

function notRunRow(c: ConfigId): TableCell[] {
	return [cell(configKey(c)), cell('not run', 'skipped'), ...shownFields.map(() => cell('—', 'skipped'))];
}

// The within-boot method: deltas per counter with their control noise floor, next to the module's exact readings.
function withinBootBlocks(memory: MemoryReport, order: ReturnType<typeof matrixOrder>): Block[] {
	const entries = [...(memory.withinBoot ?? [])].sort(order);
	const notRun = [...(memory.withinBootNotRun ?? [])].sort(order);
	if (entries.length === 0 && notRun.length === 0) return [];
	const statements = entries.flatMap(w => (w.figures ?? []).map(f => `${configKey(w)}: ${f.statement}`));
	return [
		{kind: 'heading', level: 3, text: 'Within one boot'},
		{
			kind: 'paragraph',
			text:
				'One guest per configuration: /proc/meminfo and /proc/vmallocinfo read before inserting the arch module, after inserting it ' +
				'(once the kernel has freed its init area) and after removing it, in N rounds interleaved with N control rounds that run ' +
				'modinfo on the same file instead (same reads, nothing inserted). Each cell: the median insert change [range over the rounds], ' +
				'and the noise floor, the spread of the control rounds\' changes; a counter can see 12 kB (3 pages) when that floor is below it.',
		},
		{
			kind: 'table',
			header: ['Configuration', 'Arch module in the same boot (exact)', ...shownFields.map(f => `${f} Δ (kB)`)],
			rows: [...entries.map(w => ({at: w as ConfigId, row: withinBootRow(w)})), ...notRun.map(c => ({at: c, row: notRunRow(c)}))].sort((a, b) => order(a.at, b.at)).map(e => e.row),
			widths: [13, 22, 13, 13, 13, 13, 13],
		},
		...(statements.length ? [{kind: 'details' as const, summary: `Every counter, in words (${statements.length} statements)`, blocks: [{kind: 'list' as const, items: statements}]}] : []),
	];
}

function bootsText(r: MemoryRow): TableCell {
	const planned = r.boots + (r.bootsFailed ?? 0) + (r.bootsNotRun ?? 0);
	if (r.boots === 0 && r.bootsNotRun && !r.bootsFailed) return cell('not run', 'skipped');
	const text = planned === r.boots ? String(r.boots) : `${r.boots} of ${planned}${r.bootsNotRun ? ` (${r.bootsNotRun} not run)` : ''}${r.bootsFailed ? ` (${r.bootsFailed} failed)` : ''}`;
	return cell(text, r.boots === 0 ? 'error' : r.bootsNotRun ? 'skipped' : undefined);
}

// Memory: resident arch code per design × CPU, the within-boot method, then the across-boot rows and comparisons.
export function memoryBlocks(report: Report): Block[] {
	const blocks: Block[] = [{kind: 'heading', level: 2, text: 'Memory'}];
	const memory = report.memory;
	if (!memory || (memory.rows.length === 0 && memory.comparisons.length === 0 && !memory.withinBoot?.length && !memory.withinBootNotRun?.length)) {
		return [...blocks, {kind: 'paragraph', text: 'No memory measurements in this run.'}];
	}
	const order = matrixOrder(report);
	// Stable sort: situations keep the order the memory stage gave them.
	const rows = [...memory.rows].sort(order);
	const comparisons = [...memory.comparisons].sort(order);
	blocks.push(
		{
			kind: 'paragraph',
			text:
				'How much arch code stays resident after the arch module is asked to load (insmod), per design and CPU: the pages backing ' +
				'curve25519_neon in /proc/vmallocinfo and its size from /sys/module (coresize + initsize), read in the guest. ' +
				'0 B means nothing stayed resident: on a CPU without NEON that is the answer a design gives.',
		},
		{kind: 'memory-chart', bars: residentBars(memory).sort(order)},
		...withinBootBlocks(memory, order),
	);
	if (rows.length === 0) return blocks;
	blocks.push({kind: 'heading', level: 3, text: 'Across fresh boots'});
	blocks.push({
		kind: 'table',
		header: ['Configuration', 'Situation', 'arch resident', 'arch core size (bytes)', 'arch init size (bytes)', 'arch vmalloc bytes (pages)', 'MemAvailable median (kB)', 'MemAvailable spread (kB)', 'Boots'],
		rows: rows.map(r => [
			cell(configKey(r)),
			cell(r.situation),
			cell(r.boots === 0 ? '—' : r.archResident ? 'yes' : 'no'),
			cell(num(r.archCoreSize)),
			cell(num(r.archInitSize)),
			cell(r.archVmallocBytes === undefined ? '—' : `${r.archVmallocBytes} (${num(r.archVmallocPages)})`),
			cell(num(r.memAvailableMedianKb)),
			cell(num(r.memAvailableSpreadKb)),
			bootsText(r),
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
	return blocks;
}

// Headline per configuration: what not loading the arch module saves, and what the design achieves.
function savedStatements(rows: readonly MemoryRow[]): string[] {
	const byConfig = new Map<string, MemoryRow[]>();
	for (const r of rows) byConfig.set(configKey(r), [...(byConfig.get(configKey(r)) ?? []), r]);
	return [...byConfig.entries()].map(([config, rs]) => {
		const loaded = rs.find(r => r.situation.startsWith('loaded'));
		if (!loaded) return `${config}: no 'loaded' measurement`;
		if (loaded.boots === 0) return `${config}: the 'loaded' situation was ${loaded.bootsNotRun && !loaded.bootsFailed ? 'not run' : 'not measured'}`;
		if (!loaded.archResident) return `${config}: the arch module refused to load, so nothing is resident and nothing is there to save (the design already achieves the saving)`;
		const pages = loaded.archVmallocPages ?? 0;
		return `${config}: not loading the arch module saves ${num(loaded.archCoreSize)} bytes of module core (${pages} page${pages === 1 ? '' : 's'}, ${pages * 4} KiB resident; ${num(loaded.archVmallocBytes)} bytes of module address space with the guard page); when asked to load it, this design keeps it resident`;
	});
}
