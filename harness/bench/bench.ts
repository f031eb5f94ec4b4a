// npm run bench: where kplug's time goes, as medians and ratios measured in one run on this machine.
import {cp, readFile, rm, stat as fileStat, writeFile} from 'node:fs/promises';
import {availableParallelism, cpus} from 'node:os';
import {join} from 'node:path';
import {buildContext, type BuildContext} from '../build/context.ts';
import {buildProfiles} from '../build/build.ts';
import {ensureModuleSet, moduleSets} from '../build/module-sets.ts';
import {selectProfiles, defaultProfile} from '../build/profiles.ts';
import {ensureKernelSource} from '../build/source.ts';
import {median} from '../memory/stats.ts';
import {explainFlakes, readBaseline} from '../scenarios/baseline.ts';
import {runCell} from '../scenarios/cell.ts';
import {expandMatrix, type MatrixFilter} from '../scenarios/matrix.ts';
import {runMatrix} from '../scenarios/runner.ts';
import {guestImage, profileBuild} from '../subject/guest.ts';
import {makeRestorePoint} from '../subject/snapshots.ts';
import {writeFileAtomic} from '../util/atomic.ts';
import {inTempDir} from '../util/temp-dir.ts';
import {repoPath} from '../util/paths.ts';
import type {Progress} from '../util/progress.ts';
import {runVectorCell} from '../vectors/cell.ts';
import {loadVectorSet, smallSubset} from '../vectors/select.ts';
import {cpuModel} from '../vm/cpu-models.ts';
import {startVm, type RestorePoint, type VmOptions} from '../vm/vm.ts';
import {bareBootToInitMs} from './bare-qemu.ts';
import {coldFigures} from './cold-build.ts';
import {ccacheFigure, round, stat, timed, withCcacheDelta, type Figure} from './figures.ts';
import {phaseBreakdown, phaseDetail, type PhaseRow} from './phase-breakdown.ts';

export interface BenchOptions {
	cacheDir: string;
	repeat: number;
	cold: boolean;
	matrixRepeat: number;
	// Which cells the matrix part runs (all by default; checked by the caller before setup).
	matrix?: MatrixFilter;
	progress: Progress;
	// The guest packages from the caller's setup (BuildContext guestDebs).
	guestDebs: Record<string, string>;
}

async function bootFigures(ctx: BuildContext, repeat: number): Promise<Figure[]> {
	const spec = {profile: defaultProfile, design: 'weak' as const, cpu: 'neon', withArch: true};
	const {build, image} = await guestImage(ctx, spec);
	const cfg = {kernel: build.kernel.zImage, initrd: image.path, qemuCpu: cpuModel('neon').qemuCpu, memoryMiB: 256};
	const bare: number[] = [];
	const kplug: number[] = [];
	const coldFirst: number[] = [];
	const restoredFirst: number[] = [];
	return inTempDir('bench-snapshot', async snapshotDir => {
		const making = await timed(() => makeRestorePoint(cfg, snapshotDir));
		for (let i = 0; i < repeat; i++) {
			bare.push(await bareBootToInitMs(cfg));
			const cold = await startToFirstAnswer(cfg);
			kplug.push(cold.readyMs);
			coldFirst.push(cold.answeredMs);
			restoredFirst.push((await startToFirstAnswer(cfg, making.value)).answeredMs);
		}
		return [
			{name: 'bare qemu boot to init', value: round(median(bare), 0), unit: 'ms', detail: stat(bare)},
			{name: 'kplug VM start → agent ready', value: round(median(kplug), 0), unit: 'ms', detail: stat(kplug)},
			{name: 'kplug / bare ratio', value: round(median(kplug) / median(bare)), unit: '×', target: '≤ 1.25'},
			{name: 'guest image size', value: round(image.bytes / 1024 / 1024), unit: 'MiB'},
			// The same request (EXEC true) after either start; the two alternate in one loop.
			{name: 'cold boot → first request answered', value: round(median(coldFirst), 0), unit: 'ms', detail: stat(coldFirst)},
			{name: 'restore from snapshot → first request answered', value: round(median(restoredFirst), 0), unit: 'ms', detail: stat(restoredFirst)},
			{name: 'restore / cold ratio (first request answered)', value: round(median(restoredFirst) / median(coldFirst)), unit: '×'},
			{name: 'snapshot: boot + save the VM state (once per configuration)', value: round(making.ms, 0), unit: 'ms'},
			{name: 'snapshot: state file size', value: round((await fileStat(making.value.stateFile)).size / 1024 / 1024), unit: 'MiB'},
		];
	});
}

// Start a VM (cold, or restored from a snapshot) and send it one EXEC: ms until ready and until it answered.
async function startToFirstAnswer(cfg: Omit<VmOptions, 'logDir'>, restore?: RestorePoint): Promise<{readyMs: number; answeredMs: number}> {
	return inTempDir('bench', async logDir => {
		const started = performance.now();
		const vm = await startVm({...cfg, logDir, ...(restore ? {restore} : {})});
		try {
			const readyMs = performance.now() - started;
			await vm.exec(['true']);
			return {readyMs, answeredMs: performance.now() - started};
		} finally {
			await vm.close();
		}
	});
}

async function buildFigures(ctx: BuildContext): Promise<Figure[]> {
	const profiles = await selectProfiles(undefined);
	await buildProfiles(ctx, profiles);
	const noop = await timed(() => buildProfiles(ctx, profiles));
	// A module-only change: a copy of the weak set with one changed comment, rebuilt and then one scenario.
	const source = await ensureKernelSource(ctx.cacheDir, ctx.progress);
	const build = await profileBuild(ctx, defaultProfile);
	const {rebuild, cell} = await inTempDir('bench-modules', async tmp => {
		const weak = moduleSets.find(s => s.name === 'weak')!;
		const dirs: string[] = [];
		for (const dir of weak.dirs) {
			const copy = join(tmp, dir.replace(/\//g, '_'));
			await cp(repoPath(dir), copy, {recursive: true});
			dirs.push(copy);
		}
		const driver = join(dirs[dirs.length - 1]!, 'kplug-x25519.c');
		await writeFile(driver, (await readFile(driver, 'utf8')) + `\n/* kplug bench ${Date.now()} */\n`);
		const rebuild = await withCcacheDelta(join(ctx.cacheDir, 'ccache'), () => timed(() => ensureModuleSet(ctx, source, build.kernel, {...weak, dirs})));
		const cell = await timed(async () => runCell(ctx, {design: 'weak', profile: defaultProfile, cpu: 'neon', scenario: 'arch-first'}, tmp, await smallSubset()));
		return {rebuild, cell};
	});
	await rm(rebuild.value.value.dir, {recursive: true, force: true});
	return [
		{name: 'no-op kplug build (all profiles)', value: round(noop.ms / 1000), unit: 's', target: '≤ 2'},
		{name: 'module-only change: rebuild', value: round(rebuild.value.ms / 1000), unit: 's'},
		{name: 'module-only change: rebuild + one scenario', value: round((rebuild.value.ms + cell.ms) / 1000), unit: 's', target: '≤ 15'},
		// One file of the set changed: its object and the .mod.o files miss, the unchanged objects should hit.
		ccacheFigure('module-only change: ccache hits', rebuild.ccache, ' (shared ccache)'),
	];
}

async function matrixFigures(ctx: BuildContext, repeat: number, filter: MatrixFilter, breakdown: {phases: PhaseRow[]; steps: PhaseRow[]}): Promise<Figure[]> {
	const cells = await expandMatrix(filter);
	const {warm, restored} = await inTempDir('bench-matrix', async runDir => {
		const vectors = await smallSubset();
		await runMatrix({ctx, cells, jobs: availableParallelism(), repeat: 1, runDir, vectors});
		const warm = await timed(() => runMatrix({ctx, cells, jobs: availableParallelism(), repeat, runDir, vectors}));
		// The same cells again, those that share a boot configuration restored from its snapshot.
		const restored = await timed(() => runMatrix({ctx, cells, jobs: availableParallelism(), repeat, runDir, vectors, snapshots: true}));
		return {warm, restored};
	});
	const perCell = warm.value.results.map(r => r.durationMs / 1000);
	const perCellRestored = restored.value.results.map(r => r.durationMs / 1000);
	const differing = warm.value.results.filter(r => JSON.stringify(r.outcome) !== JSON.stringify(restored.value.results.find(x => x.cellKey === r.cellKey)?.outcome)).map(r => r.cellKey);
	Object.assign(breakdown, phaseBreakdown(warm.value.results.map(r => r.timing)));
	const restorePhase = phaseBreakdown(restored.value.results.map(r => r.timing)).phases.filter(p => p.name === 'restore' || p.name === 'snapshot');
	const filtered = Object.values(filter).some(v => v !== undefined && v.length > 0);
	// As `kplug run --repeat` judges them: a cell that ended only in ways the baseline records is not a flake.
	const flakes = explainFlakes(await readBaseline(), warm.value.flakes, warm.value.results);
	const label = `${filtered ? 'filtered' : 'full default'} matrix (${cells.length} cells, ${availableParallelism()} jobs${repeat > 1 ? `, ×${repeat}` : ''})`;
	return [
		{name: `warm ${label}`, value: round(warm.ms / 1000, 1), unit: 's', ...(filtered ? {} : {target: '≤ 60'})},
		{name: 'per-cell median', value: round(median(perCell)), unit: 's', detail: stat(perCell)},
		{name: `warm ${label}, with snapshots`, value: round(restored.ms / 1000, 1), unit: 's', detail: `${restored.value.results.filter(r => r.timing?.start === 'restored').length} cells restored`},
		{name: 'per-cell median, with snapshots', value: round(median(perCellRestored)), unit: 's', detail: stat(perCellRestored)},
		...restorePhase.map(r => ({name: `cell phase with snapshots: ${r.name}`, value: round(r.medianMs, 0), unit: 'ms', detail: phaseDetail(r)})),
		{name: 'cells whose outcome differs with snapshots', value: differing.length, unit: 'cells', detail: differing.join(', ') || 'none'},
		{name: 'flaky cells (not explained by the baseline)', value: flakes.filter(f => !f.known).length, unit: 'cells', detail: repeat > 1 ? flakes.map(f => `${f.cellKey} ${f.counts?.join('/') ?? ''}${f.known ? ' (a reviewed alternative outcome)' : ''}`).join(', ') || 'none' : 'run with --repeat N to check'},
		// Where a cell's time goes, largest phase first; then each kind of step.
		...[...breakdown.phases, ...breakdown.steps].map(r => ({name: `cell phase: ${r.name}`, value: round(r.medianMs, 0), unit: 'ms', detail: phaseDetail(r)})),
	];
}

async function vectorFigures(ctx: BuildContext): Promise<Figure[]> {
	const wycheproof = await loadVectorSet({includeWycheproof: true, includeRfc: false});
	const figures: Figure[] = [];
	await inTempDir('bench-vectors', async runDir => {
		for (const design of ['weak', 'mainline'] as const) {
			const report = await runVectorCell(ctx, {design, profile: defaultProfile, cpu: 'neon'}, wycheproof.vectors, [], undefined, runDir);
			for (const p of report.paths) {
				figures.push({name: `${design}: ${p.path} path (${p.servedBy.join('+')}) ops/s under TCG`, value: p.opsPerSecond, unit: 'ops/s'});
				figures.push({name: `${design}: 518 Wycheproof vectors, ${p.path} path, guest time`, value: round(p.guestSeconds), unit: 's', target: '≤ 3'});
			}
			if (report.archToGenericSpeedRatio) figures.push({name: `${design}: api/generic speed ratio`, value: report.archToGenericSpeedRatio, unit: '×'});
		}
	});
	return figures;
}

// Run the benchmark and write bench/results.json.
export async function runBench(options: BenchOptions): Promise<{figures: Figure[]; file: string}> {
	const ctx = {...buildContext(options.cacheDir, options.progress), guestDebs: options.guestDebs};
	const figures: Figure[] = [];
	const breakdown: {phases: PhaseRow[]; steps: PhaseRow[]} = {phases: [], steps: []};
	const builds = await withCcacheDelta(join(ctx.cacheDir, 'ccache'), () => options.progress.step('bench: builds', () => buildFigures(ctx)));
	figures.push(...builds.value, ccacheFigure("ccache over the bench's builds", builds.ccache, ' (shared ccache)'));
	figures.push(...(await options.progress.step('bench: boot', () => bootFigures(ctx, options.repeat))));
	figures.push(...(await options.progress.step('bench: vectors', () => vectorFigures(ctx))));
	figures.push(...(await options.progress.step('bench: matrix', () => matrixFigures(ctx, options.matrixRepeat, options.matrix ?? {}, breakdown))));
	if (options.cold) figures.push(...(await options.progress.step('bench: cold builds', () => coldFigures(ctx))));
	const build = await profileBuild(ctx, defaultProfile);
	const file = repoPath('bench/results.json');
	await writeFileAtomic(file, JSON.stringify({
		date: new Date().toISOString(),
		machine: {cores: availableParallelism(), cpu: cpus()[0]?.model ?? 'unknown', node: process.version, emulation: 'TCG'},
		kernel: build.kernel.release,
		figures,
		cellPhases: breakdown,
	}, null, 2) + '\n');
	return {figures, file};
}
