// The memory job shared by `kplug memory` and `kplug start`: repeated fresh boots per situation.
import {join} from 'node:path';
import {buildContext} from '../build/context.ts';
import {compareSamples, median, spread} from '../memory/stats.ts';
import {memorySample, situations, type MemorySample, type Situation} from '../memory/measure.ts';
import type {MemoryComparison, MemoryRow, Report} from '../report/schema.ts';
import {expandMatrix} from '../scenarios/matrix.ts';
import {prepareCells} from '../scenarios/runner.ts';
import type {DesignName} from '../subject/designs.ts';
import {KplugError} from '../util/errors.ts';
import {intOption, type OptionSpec, type ParsedArgs} from './command.ts';

export const memoryOptions: OptionSpec = {repeat: {type: 'string'}};

type Config = {design: DesignName; profile: string; cpu: string};
const key = (c: Config): string => `${c.design}/${c.profile}/${c.cpu}`;

function row(c: Config, situation: Situation, samples: MemorySample[], notes: string[]): MemoryRow {
	// Sizes come from the first boot that had the module resident (they are the same in every boot).
	const first = samples.find(s => s.archResident) ?? samples[0];
	const archResident = samples.some(s => s.archResident);
	return {
		...c,
		situation: situation.name === 'loaded' && !archResident ? 'loaded (refused)' : situation.name,
		archResident,
		archCoreSize: first?.archCoreSize,
		archInitSize: first?.archInitSize,
		archVmallocBytes: first?.archVmallocBytes,
		archVmallocPages: first?.archVmallocPages,
		memAvailableMedianKb: samples.length ? median(samples.map(s => s.mem.MemAvailable)) : undefined,
		memAvailableSpreadKb: samples.length ? spread(samples.map(s => s.mem.MemAvailable)).range : undefined,
		boots: samples.length,
		...(notes.length ? {notes} : {}),
	};
}

// One line naming every configuration × situation without a single measured boot, or undefined when all were measured.
export function unmeasuredLine(memory: NonNullable<Report['memory']>): string | undefined {
	const lost = memory.rows.filter(r => r.boots === 0);
	if (lost.length === 0) return undefined;
	return `memory: ${lost.length} of ${memory.rows.length} configuration situations could not be measured (no boot succeeded): ${lost.map(r => `${r.design}/${r.profile}/${r.cpu} ${r.situation}${r.notes?.[0] ? ` (${r.notes[0]})` : ''}`).join('; ')}`;
}

// Run N fresh boots per configuration and situation; compare 'loaded' with 'skipped' (same image).
export async function runMemoryJob(args: ParsedArgs, runDir: string, filter: {designs?: string[]; profiles?: string[]; cpus?: string[]}): Promise<NonNullable<Report['memory']>> {
	const repeat = intOption('repeat', args.values['repeat'], 5);
	const configs = new Map<string, Config>();
	for (const c of await expandMatrix({...filter, scenarios: ['arch-first']})) configs.set(key(c), {design: c.design, profile: c.profile, cpu: c.cpu});
	const ctx = buildContext(args.cacheDir, args.progress, args.signal);
	const jobs = intOption('jobs', args.values['jobs'], ctx.jobs);
	// Build kernels and images (with and without the arch module) serially before the parallel boots.
	await prepareCells(ctx, await expandMatrix({...filter, scenarios: ['arch-first', 'no-arch']}));
	const tasks = [...configs.values()].flatMap(c => situations.flatMap(s => Array.from({length: repeat}, (_, i) => ({c, s, i}))));
	const samples = new Map<string, MemorySample[]>();
	const errors = new Map<string, string[]>();
	args.progress.info(`memory: ${configs.size} configurations × ${situations.length} situations × ${repeat} boots = ${tasks.length} boots`);
	const queue = [...tasks];
	const worker = async (): Promise<void> => {
		for (let t = queue.shift(); t; t = queue.shift()) {
			const k = `${key(t.c)}/${t.s.name}`;
			try {
				const sample = await memorySample(ctx, t.c, t.s, join(runDir, 'memory', k.replace(/\//g, '__'), `boot-${t.i + 1}`));
				samples.set(k, [...(samples.get(k) ?? []), sample]);
			} catch (error) {
				if (!(error instanceof KplugError)) throw error;
				errors.set(k, [...(errors.get(k) ?? []), error.message.split('\n')[0] ?? '']);
			}
		}
	};
	await Promise.all(Array.from({length: Math.min(jobs, tasks.length)}, worker));
	const rows: MemoryRow[] = [];
	const comparisons: MemoryComparison[] = [];
	for (const c of configs.values()) {
		for (const s of situations) {
			const got = samples.get(`${key(c)}/${s.name}`) ?? [];
			const notes = [...new Set([...(errors.get(`${key(c)}/${s.name}`) ?? []), ...got.flatMap(x => x.failedSteps)])];
			rows.push(row(c, s, got, notes));
		}
		const withArch = samples.get(`${key(c)}/loaded`) ?? [];
		const without = samples.get(`${key(c)}/skipped`) ?? [];
		if (withArch.length === 0 || without.length === 0) continue;
		for (const field of ['MemAvailable', 'MemFree'] as const) {
			const cmp = compareSamples(withArch.map(x => x.mem[field]), without.map(x => x.mem[field]), {metric: field, unit: 'kB', subject: 'loading the arch module'});
			comparisons.push({
				...c, field,
				medianWithKb: cmp.medianWith,
				medianWithoutKb: cmp.medianWithout,
				differenceKb: cmp.difference,
				noiseFloorKb: cmp.noiseFloor ?? 0,
				aboveNoise: cmp.aboveNoise,
				statement: `${cmp.statement}${withArch.some(x => !x.archResident) ? ' (the arch module was not resident in the "loaded" boots: it refused to load)' : ''}`,
			});
		}
	}
	return {rows, comparisons};
}
