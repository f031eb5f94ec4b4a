// The memory job shared by `kplug memory` and `kplug start`: repeated fresh boots per situation, and the
// within-boot rounds per configuration. An interrupt keeps every finished boot and lists the rest as not run.
import {defaultUserland} from '../setup/userlands.ts';
import {join} from 'node:path';
import type {BuildContext} from '../build/context.ts';
import {compareSamples, median, spread} from '../memory/stats.ts';
import {memorySample, situations, withinBootSample, type MemorySample, type Situation, type WithinBootSample} from '../memory/measure.ts';
import {summarizeRounds} from '../memory/within-boot.ts';
import type {ConfigId, MemoryComparison, MemoryReport, MemoryRow, WithinBootReport} from '../report/schema.ts';
import {expandMatrix} from '../scenarios/matrix.ts';
import {archHome, design as lookupDesign, type DesignName} from '../subject/designs.ts';
import {defaultKernel, kernelDef} from '../build/kernels.ts';
import {writeFileAtomic} from '../util/atomic.ts';
import {KplugError} from '../util/errors.ts';
import {intOption, type OptionSpec, type ParsedArgs, vmJobsOption} from './command.ts';
import type {SubjectFilter} from './subject-options.ts';
import {configKey, kernelField} from '../scenarios/config-key.ts';
import {runPool, stoppedByInterrupt} from '../util/pool.ts';
import {prepareUnlessInterrupted} from './job-pool.ts';

export const memoryOptions: OptionSpec = {repeat: {type: 'string'}, rounds: {type: 'string'}};

type Config = {design: DesignName; profile: string; cpu: string; kernel?: string};
const key = (c: ConfigId): string => configKey(c);

type Task = {kind: 'boot'; c: Config; s: Situation; i: number} | {kind: 'within-boot'; c: Config};
type Outcome = {sample: MemorySample} | {withinBoot: WithinBootSample} | {error: string};

// What the job boots and measures (fakes in unit tests).
export interface MemoryJobDeps {
	sample: typeof memorySample;
	withinBoot: typeof withinBootSample;
	prepare: typeof prepareUnlessInterrupted;
}

const realDeps: MemoryJobDeps = {sample: memorySample, withinBoot: withinBootSample, prepare: prepareUnlessInterrupted};

function row(c: Config, situation: Situation, samples: MemorySample[], counts: {failed: number; notRun: number}, notes: string[]): MemoryRow {
	// Sizes come from the first boot that had the module resident (they are the same in every boot).
	const first = samples.find(s => s.archResident) ?? samples[0];
	const archResident = samples.some(s => s.archResident);
	return {
		...c,
		situation: situation.name === 'loaded' && samples.length > 0 && !archResident ? 'loaded (refused)' : situation.name,
		archResident,
		archCoreSize: first?.archCoreSize,
		archProcModulesSize: first?.archProcModulesSize,
		archInitSize: first?.archInitSize,
		archVmallocBytes: first?.archVmallocBytes,
		archVmallocPages: first?.archVmallocPages,
		memAvailableMedianKb: samples.length ? median(samples.map(s => s.mem.MemAvailable)) : undefined,
		memAvailableSpreadKb: samples.length ? spread(samples.map(s => s.mem.MemAvailable)).range : undefined,
		boots: samples.length,
		...(counts.failed ? {bootsFailed: counts.failed} : {}),
		...(counts.notRun ? {bootsNotRun: counts.notRun} : {}),
		...(first?.archModule ? {archModule: first.archModule, ...(first.neonCoreBytes !== undefined ? {neonCoreBytes: first.neonCoreBytes} : {})} : {}),
		...(notes.length || first?.archModule ? {notes: [...(first?.archModule ? [`no arch module: the arch columns are ${first.archModule}'s, which carries ${first.neonCoreBytes ?? 'an unknown number of'} bytes of NEON core (curve25519_neon, nm -S) and stays resident whenever the library is`] : []), ...notes]} : {}),
	};
}

// A design whose arch code is linked into the library on this kernel (mainline on 7.x) has no arch module to leave
// out, insert or remove: its 'skipped' and 'absent' boots would be the 'loaded' boot again, and the within-boot
// rounds have nothing to insert. It is measured loaded and blacklisted (module_blacklist= names a module that does
// not exist there), and its rows say where the NEON code is and how many bytes of it stay resident.
export function consolidatedConfig(c: Config): boolean {
	return archHome(lookupDesign(c.design), kernelDef(c.kernel ?? defaultKernel)).consolidated;
}

function situationsFor(c: Config): readonly Situation[] {
	return consolidatedConfig(c) ? situations.filter(s => s.name === 'loaded' || s.name === 'blacklisted') : situations;
}

// Whether a row had boots that failed and none measured (a row the interrupt alone emptied is not run, not lost).
function lostRow(r: MemoryRow): boolean {
	return r.boots === 0 && (!r.bootsNotRun || (r.bootsFailed ?? 0) > 0);
}

// One line naming every configuration × situation without a single measured boot, or undefined when all were measured.
export function unmeasuredLine(memory: MemoryReport): string | undefined {
	const lost = memory.rows.filter(lostRow);
	const lostWithin = (memory.withinBoot ?? []).filter(w => w.error !== undefined);
	if (lost.length === 0 && lostWithin.length === 0) return undefined;
	const parts = [
		...(lost.length ? [`${lost.length} of ${memory.rows.length} configuration situations could not be measured (no boot succeeded): ${lost.map(r => `${key(r)} ${r.situation}${r.notes?.[0] ? ` (${r.notes[0]})` : ''}`).join('; ')}`] : []),
		...(lostWithin.length ? [`within-boot could not be measured for ${lostWithin.map(w => `${key(w)} (${w.error})`).join('; ')}`] : []),
	];
	return `memory: ${parts.join('; ')}`;
}

// One line naming the boots and within-boot runs an interrupt left not run, or undefined when everything ran.
export function memoryNotRunLine(memory: MemoryReport): string | undefined {
	const rows = memory.rows.filter(r => r.bootsNotRun);
	const within = memory.withinBootNotRun ?? [];
	if (rows.length === 0 && within.length === 0) return undefined;
	const boots = rows.reduce((sum, r) => sum + (r.bootsNotRun ?? 0), 0);
	const planned = memory.rows.reduce((sum, r) => sum + r.boots + (r.bootsFailed ?? 0) + (r.bootsNotRun ?? 0), 0);
	const parts = [
		...(rows.length ? [`${boots} of ${planned} boots (${rows.map(r => `${key(r)} ${r.situation} ${r.bootsNotRun}`).join(', ')})`] : []),
		...(within.length ? [`within-boot for ${within.map(key).join(', ')}`] : []),
	];
	return `memory not run (interrupted): ${parts.join('; ')}`;
}

function withinBootEntry(c: Config, outcome: Outcome | undefined): WithinBootReport | undefined {
	if (!outcome) return undefined;
	if ('error' in outcome) return {...c, error: outcome.error};
	if (!('withinBoot' in outcome)) return undefined;
	const {rounds, failedSteps} = outcome.withinBoot;
	return {...c, ...summarizeRounds(rounds), ...(failedSteps.length ? {notes: failedSteps} : {})};
}

function comparisonsOf(c: Config, withArch: MemorySample[], without: MemorySample[]): MemoryComparison[] {
	if (withArch.length === 0 || without.length === 0) return [];
	return (['MemAvailable', 'MemFree'] as const).map(field => {
		const cmp = compareSamples(withArch.map(x => x.mem[field]), without.map(x => x.mem[field]), {metric: field, unit: 'kB', subject: 'loading the arch module'});
		return {
			...c, field,
			medianWithKb: cmp.medianWith,
			medianWithoutKb: cmp.medianWithout,
			differenceKb: cmp.difference,
			noiseFloorKb: cmp.noiseFloor ?? 0,
			aboveNoise: cmp.aboveNoise,
			statement: `${cmp.statement}${withArch.some(x => !x.archResident) ? ' (the arch module was not resident in the "loaded" boots: it refused to load)' : ''}`,
		};
	});
}

// Run N fresh boots per configuration and situation (compare 'loaded' with 'skipped', the same image) and the
// within-boot rounds (--rounds, default 5; 0 skips them) in one more boot per configuration.
// Boots per situation (--repeat) and within-boot rounds (--rounds): a bad value is a UsageError (start checks them
// before set-up).
export function memoryCounts(args: ParsedArgs): {repeat: number; rounds: number} {
	return {repeat: intOption('repeat', args.values['repeat'], 5), rounds: intOption('rounds', args.values['rounds'], 5, 0)};
}

export async function runMemoryJob(args: ParsedArgs, ctx: BuildContext, runDir: string, filter: SubjectFilter, deps: MemoryJobDeps = realDeps): Promise<MemoryReport> {
	const {repeat, rounds} = memoryCounts(args);
	const configs = new Map<string, Config>();
	for (const c of await expandMatrix({...filter, scenarios: ['arch-first'], userlands: [defaultUserland]})) configs.set(key(c), {design: c.design, profile: c.profile, cpu: c.cpu, ...kernelField(c.kernel)});
	const jobs = vmJobsOption(args.values['jobs'], ctx.jobs);
	const tasks: Task[] = [...configs.values()].flatMap(c => [
		...situationsFor(c).flatMap(s => Array.from({length: repeat}, (_, i): Task => ({kind: 'boot', c, s, i}))),
		...(rounds > 0 && !consolidatedConfig(c) ? [{kind: 'within-boot' as const, c}] : []),
	]);
	const consolidated = [...configs.values()].filter(consolidatedConfig).length;
	args.progress.info(`memory: ${configs.size} configurations × (${situations.length} situations × ${repeat} boots${rounds > 0 ? ` + 1 within-boot boot of ${rounds}+${rounds} rounds` : ''})${consolidated ? ` (${consolidated} with the arch code inside the library: loaded and blacklisted only, no rounds)` : ''} = ${tasks.length} boots`);
	// Build kernels and images (with and without the arch module) serially before the parallel boots.
	const prepared = await deps.prepare(ctx, await expandMatrix({...filter, scenarios: ['arch-first', 'no-arch']}));
	const folder = (t: Task): string => join(runDir, 'memory', `${key(t.c)}/${t.kind === 'boot' ? t.s.name : 'within-boot'}`.replace(/\//g, '__'), t.kind === 'boot' ? `boot-${t.i + 1}` : '');
	const pool = await runPool<Task, Outcome>(prepared ? tasks : [], {
		jobs, signal: args.signal,
		run: async (t, signal) => {
			const taskCtx = {...ctx, signal};
			try {
				if (t.kind === 'boot') return {sample: await deps.sample(taskCtx, t.c, t.s, folder(t))};
				const withinBoot = await deps.withinBoot(taskCtx, t.c, rounds, folder(t));
				await writeFileAtomic(join(folder(t), 'within-boot.json'), JSON.stringify(withinBoot, null, 1) + '\n');
				return {withinBoot};
			} catch (error) {
				if (!(error instanceof KplugError) || stoppedByInterrupt(error, signal)) throw error;
				return {error: error.message.split('\n')[0] ?? ''};
			}
		},
	});
	const notRun = prepared ? pool.notRun : tasks;
	const rows: MemoryRow[] = [];
	const comparisons: MemoryComparison[] = [];
	const withinBoot: WithinBootReport[] = [];
	for (const c of configs.values()) {
		const mine = pool.done.filter(d => d.task.c === c);
		const outcomes = (s: Situation): Outcome[] => mine.filter(d => d.task.kind === 'boot' && d.task.s === s).map(d => d.result);
		const samples = (s: Situation): MemorySample[] => outcomes(s).flatMap(o => ('sample' in o ? [o.sample] : []));
		for (const s of situationsFor(c)) {
			const errors = outcomes(s).flatMap(o => ('error' in o ? [o.error] : []));
			const notes = [...new Set([...errors, ...samples(s).flatMap(x => x.failedSteps)])];
			const stopped = notRun.filter(t => t.kind === 'boot' && t.c === c && t.s === s).length;
			rows.push(row(c, s, samples(s), {failed: errors.length, notRun: stopped}, notes));
		}
		if (!consolidatedConfig(c)) comparisons.push(...comparisonsOf(c, samples(situations.find(s => s.name === 'loaded')!), samples(situations.find(s => s.name === 'skipped')!)));
		const entry = withinBootEntry(c, mine.find(d => d.task.kind === 'within-boot')?.result);
		if (entry) withinBoot.push(entry);
	}
	const withinBootNotRun = notRun.filter(t => t.kind === 'within-boot').map(t => t.c);
	return {rows, comparisons, ...(rounds > 0 ? {withinBoot} : {}), ...(withinBootNotRun.length ? {withinBootNotRun} : {})};
}
