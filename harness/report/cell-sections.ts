// Report sections about cells: one table per scenario, deviations from baseline, flakes, cells not run.
import type {CellId, CellResult, PathProbe, StepResult} from '../scenarios/types.ts';
import {cell, configKey, idKey, matrixOrder, scenarioIds, type Block, type TableCell, type Tone} from './blocks.ts';
import type {Report} from './schema.ts';

const maxKernelLines = 8;
// Kernel lines about the rig itself (its agent as PID 1), not about the modules under test.
const rigLine = /kplug-agent|rdinit=|\bkplug\.agent\b/;

// "insmod arch ✓" or "insmod lib ✗ ENOENT".
export function stepSummary(step: StepResult): string {
	if (step.skipped) return `${step.label} — n/a`;
	const who = step.tool === 'kernel' ? ' (kernel)' : '';
	if (step.exitCode === 0) return `${step.label} ✓${who}`;
	return `${step.label} ✗ ${step.errno ?? `exit ${step.exitCode}`}${who}`;
}

function modulesText(c: CellResult): string {
	if (c.modulesAtEnd.length === 0) return 'none';
	return c.modulesAtEnd
		.map(m => `${m.name} (ref ${m.refcount}${m.holders.length > 0 ? `: ${m.holders.join(', ')}` : ''})`)
		.join('\n');
}

// One line per probe, labelled only when a scenario probes more than once.
function perProbe(probes: readonly PathProbe[], show: (p: PathProbe) => string): string {
	if (probes.length === 0) return '—';
	if (probes.length === 1) return show(probes[0]!);
	return probes.map(p => `${p.label}: ${show(p)}`).join('\n');
}

function resolvedText(p: PathProbe): string {
	if (!p.driverLoaded) return 'no driver';
	if (p.archResolved === undefined) return '—';
	if (p.archResolved === 'strong') return 'strong';
	return p.archResolved ? 'yes' : 'no';
}

// The module-reported path and, independently, what the kernel's kprobes saw.
function pathText(p: PathProbe): string {
	if (!p.driverLoaded) return 'no driver';
	const module = p.apiPaths.length > 0 ? p.apiPaths.join('+') : '—';
	const kernel = p.kernel ? p.kernel.paths.join('+') || 'nothing' : 'not observed';
	return `module: ${module}\nkernel: ${kernel}`;
}

function vectorsText(p: PathProbe): string {
	if (!p.driverLoaded) return 'no driver';
	return `api ${p.apiPassed}/${p.apiTotal}, generic ${p.genericPassed}/${p.genericTotal}`;
}

function vectorsTone(probes: readonly PathProbe[]): Tone | undefined {
	const ran = probes.filter(p => p.driverLoaded);
	if (ran.length === 0) return undefined;
	const failed = ran.some(p => p.failures.length > 0 || p.apiPassed < p.apiTotal || p.genericPassed < p.genericTotal);
	return failed ? 'fails' : 'holds';
}

function claimsCell(c: CellResult): TableCell {
	if (c.claims.length === 0) return cell(c.status === 'error' ? 'not evaluated' : '—', c.status === 'error' ? 'error' : 'na');
	const word = {holds: 'holds', fails: 'FAILS', 'n/a': 'n/a', 'not evaluated': 'not evaluated'} as const;
	const text = c.claims.map(r => `${r.claim} ${word[r.verdict]}`).join('\n');
	const tone: Tone = c.claims.some(r => r.verdict === 'fails') ? 'fails' : c.claims.some(r => r.verdict === 'holds') ? 'holds' : 'na';
	return cell(text, tone);
}

function statusCell(c: CellResult): TableCell {
	if (c.status === 'error') return cell(`ERROR ${c.error?.class ?? 'unknown'}`, 'error');
	const tainted = c.tainted !== '' && c.tainted !== '0' ? `, tainted ${c.tainted}` : '';
	return cell(`completed${tainted}`);
}

function cellRow(c: CellResult): TableCell[] {
	const kallsyms = c.kallsymsArch.present ? `yes (${c.kallsymsArch.owner ?? 'owner unknown'})` : 'no';
	return [
		cell(configKey(c.id)),
		statusCell(c),
		cell(c.steps.length > 0 ? c.steps.map(stepSummary).join('\n') : '—'),
		cell(modulesText(c)),
		cell(kallsyms),
		cell(perProbe(c.probes, resolvedText)),
		cell(perProbe(c.probes, pathText)),
		cell(perProbe(c.probes, vectorsText), vectorsTone(c.probes)),
		claimsCell(c),
	];
}

function notRunRow(id: CellId): TableCell[] {
	return [cell(configKey(id)), cell('not run', 'skipped'), ...Array.from({length: 7}, () => cell('—', 'skipped'))];
}

// What a reader needs to understand a row: error messages, failed steps, failing claims, kernel lines.
function cellNotes(c: CellResult): string[] {
	const where = configKey(c.id);
	const notes: string[] = [];
	if (c.error) notes.push(`${where}: ERROR ${c.error.class}: ${c.error.message} (logs: ${c.logDir})`);
	for (const s of c.steps.filter(step => step.exitCode !== 0)) {
		notes.push(`${where}: ${stepSummary(s)} — ${s.argv.join(' ')}: ${s.message || '(no message)'}`);
	}
	for (const r of c.claims.filter(claim => claim.verdict === 'fails')) notes.push(`${where}: ${r.claim} FAILS — ${r.evidence}`);
	for (const s of c.steps.filter(step => step.resolved)) notes.push(`${where}: ${s.label}: modprobe -R → ${s.resolved!.modules.join(', ') || 'nothing'}; --show-depends → ${s.resolved!.showDepends.join(' | ') || 'nothing'}`);
	for (const p of c.probes) notes.push(...p.failures.map(f => `${where}: probe ${p.label}: vector failed ${f}`));
	const kernel = c.kernelLogOfInterest.filter(line => !rigLine.test(line));
	notes.push(...kernel.slice(0, maxKernelLines).map(line => `${where}: kernel: ${line}`));
	if (kernel.length > maxKernelLines) notes.push(`${where}: kernel: … ${kernel.length - maxKernelLines} more lines in ${c.logDir}`);
	return notes;
}

// The closed section's one line: how many cells, how many errored, which claims failed where.
export function scenarioGist(cells: readonly CellResult[], planned: number): string {
	const errored = cells.filter(c => c.status === 'error').length;
	const failing = new Map<string, number>();
	for (const c of cells) for (const r of c.claims) if (r.verdict === 'fails') failing.set(r.claim, (failing.get(r.claim) ?? 0) + 1);
	const parts = [`${planned} cell${planned === 1 ? '' : 's'}`];
	if (cells.length < planned) parts.push(`${planned - cells.length} not run`);
	if (errored > 0) parts.push(`${errored} errored`);
	parts.push(failing.size > 0 ? `FAILS: ${[...failing].sort(([a], [b]) => a.localeCompare(b, 'en', {numeric: true})).map(([claim, n]) => `${claim} in ${n}`).join(', ')}` : 'no claim fails');
	return parts.join(' · ');
}

// One table per scenario: rows are design × profile × cpu, collapsed behind a one-line gist.
export function scenarioBlocks(report: Report): Block[] {
	const order = matrixOrder(report);
	const blocks: Block[] = [{kind: 'heading', level: 2, text: 'Scenarios'}];
	for (const id of scenarioIds(report)) {
		const meta = report.matrix.scenarios.find(s => s.id === id);
		const rows: {at: CellId; row: TableCell[]; notes: string[]}[] = [
			...report.cells.filter(c => c.id.scenario === id).map(c => ({at: c.id, row: cellRow(c), notes: cellNotes(c)})),
			...report.notRun.filter(n => n.scenario === id).map(n => ({at: n, row: notRunRow(n), notes: []})),
		].sort((a, b) => order(a.at, b.at));
		blocks.push({kind: 'heading', level: 3, text: meta ? `${id}: ${meta.title}` : id});
		if (meta?.description) blocks.push({kind: 'paragraph', text: meta.description});
		if (rows.length === 0) {
			blocks.push({kind: 'paragraph', text: 'No cells of this scenario were planned.'});
			continue;
		}
		const inner: Block[] = [
			{
				kind: 'table',
				header: ['Configuration', 'Status', 'Steps', 'Modules at end (refcount: holders)', 'curve25519_arch in kallsyms (owner)', 'Resolved?', 'Path served (module-reported / kernel-observed)', 'Vectors passed', 'Claims'],
				rows: rows.map(r => r.row),
			},
		];
		const notes = rows.flatMap(r => r.notes);
		if (notes.length > 0) inner.push({kind: 'list', items: notes});
		blocks.push({kind: 'details', summary: scenarioGist(report.cells.filter(c => c.id.scenario === id), rows.length), blocks: inner});
	}
	return blocks;
}

// Deviations from the baseline, one readable diff per cell.
export function deviationBlocks(report: Report): Block[] {
	const blocks: Block[] = [{kind: 'heading', level: 2, text: 'Deviations from baseline'}];
	for (const v of report.versionChanges ?? []) {
		blocks.push({kind: 'paragraph', text: `${v.profile}: the baseline was recorded with other versions (${v.changed.join(', ')}). Its cells were compared all the same; once they are reviewed, re-record with --update-baseline.`});
		blocks.push({kind: 'code', language: 'diff', lines: v.diff});
	}
	const known = report.knownOutcomes ?? [];
	if (known.length > 0) {
		blocks.push({kind: 'paragraph', text: `${known.length} cell(s) ended with an outcome the baseline records as a reviewed alternative (not a deviation; the cell's claims above are this run's):`});
		blocks.push({kind: 'list', items: known.map(k => `${k.cellKey}: ${k.why}`)});
	}
	if (report.deviations.length === 0) return [...blocks, {kind: 'paragraph', text: 'No cell deviates from the baseline.'}];
	blocks.push({kind: 'paragraph', text: `${report.deviations.length} cell(s) observed something other than the recorded baseline ("-" baseline, "+" observed).`});
	for (const d of report.deviations) {
		blocks.push({kind: 'heading', level: 3, text: d.cellKey});
		blocks.push({kind: 'code', language: 'diff', lines: d.diff});
	}
	return blocks;
}

// "20 rounds of every cell (6240 runs), each round from boots of its own" or, cut short, how far it got.
export function repeatsLine(r: NonNullable<Report['repeats']>): string {
	const whole = r.completeRounds === r.asked ? `${r.asked} rounds of every cell` : `${r.completeRounds} of ${r.asked} rounds whole (round ${r.completeRounds + 1} unfinished)`;
	const faults = r.restoreFaults ? `; ${r.restoreFaults} of them ran again cold after their restored guest failed before the first step (the saved state discarded)` : '';
	return `repeats: ${whole}, ${r.runs} runs in all, each round from boots of its own${faults}`;
}

// "19×: {…}" per distinct outcome of a flake ("#1: {…}" in reports written before the counts).
export function flakeOutcomeLines(f: Report['flakes'][number]): string[] {
	return f.outcomes.map((o, i) => `${f.counts ? `${f.counts[i]}×` : `#${i + 1}`}: ${o}`);
}

// Cells whose repeated runs disagreed.
export function flakeBlocks(report: Report): Block[] {
	const blocks: Block[] = [{kind: 'heading', level: 2, text: 'Flakes'}];
	if (report.repeats) blocks.push({kind: 'paragraph', text: `${repeatsLine(report.repeats).replace(/^repeats: /, 'Repeats: ')}.`});
	// A bad saved state makes every cell restored from it look flaky: say which states were refused or discarded.
	for (const e of report.snapshotEvents ?? []) blocks.push({kind: 'paragraph', text: `Saved state ${e.what}: ${e.key}: ${e.message}.`});
	if (report.flakes.length === 0) return [...blocks, {kind: 'paragraph', text: 'No cell gave different outcomes across repeats.'}];
	const known = report.flakes.filter(f => f.known).length;
	return [
		...blocks,
		{kind: 'paragraph', text: `${report.flakes.length} cell(s) ended differently across repeats${known ? `; ${known} of them only in ways the baseline records (its outcome or a reviewed alternative), which do not fail the run` : ''}.`},
		{
			kind: 'table',
			header: ['Cell', 'Outcomes (repeats that ended so)', 'Explained by the baseline'],
			rows: report.flakes.map(f => [
				cell(f.cellKey),
				cell(flakeOutcomeLines(f).join('\n'), f.known ? undefined : 'error'),
				cell(f.known ?? 'no: unexplained flake', f.known ? undefined : 'error'),
			]),
		},
	];
}

// Cells the run planned but did not execute.
export function notRunBlocks(report: Report): Block[] {
	const blocks: Block[] = [{kind: 'heading', level: 2, text: 'Cells not run'}];
	if (report.notRun.length === 0) return [...blocks, {kind: 'paragraph', text: 'Every planned cell ran.'}];
	const sorted = [...report.notRun].sort((a, b) => matrixOrder(report)(a, b) || a.scenario.localeCompare(b.scenario));
	return [...blocks, {kind: 'list', items: sorted.map(idKey)}];
}
