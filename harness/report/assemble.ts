// Put a run's results together into a Report (the one object every output is rendered from).
import {availableParallelism} from 'node:os';
import {readFile} from 'node:fs/promises';
import {median} from '../memory/stats.ts';
import {claimDefinitions} from '../scenarios/claims.ts';
import {scenarios} from '../scenarios/registry.ts';
import type {CellId, CellResult} from '../scenarios/types.ts';
import {run} from '../util/exec.ts';
import {repoPath} from '../util/paths.ts';
import {reportSchema, type Deviation, type Report} from './schema.ts';

let hostMemo: Promise<{qemu: string; version: string}> | undefined;

async function hostFacts(): Promise<{qemu: string; version: string}> {
	hostMemo ??= (async () => {
		const qemu = await run('qemu-system-arm', ['--version']).then(r => r.stdout.split('\n')[0]!.trim(), () => 'unknown');
		const pkg = JSON.parse(await readFile(repoPath('package.json'), 'utf8')) as {version: string};
		return {qemu, version: pkg.version};
	})();
	return hostMemo;
}

export interface AssembleInput {
	cells: CellResult[];
	notRun: CellId[];
	deviations: Deviation[];
	flakes: Report['flakes'];
	vectors?: Report['vectors'];
	memory?: Report['memory'];
	kernel: Report['kernel'];
	wallSeconds: number;
	jobs: number;
	shard?: Report['shard'];
}

// Build the Report for a run.
export async function assembleReport(input: AssembleInput): Promise<Report> {
	const facts = await hostFacts();
	const uniq = (values: string[]): string[] => [...new Set(values)];
	const all = [...input.cells.map(c => c.id), ...input.notRun];
	const scenarioIds = uniq(all.map(c => c.scenario));
	return {
		schema: reportSchema,
		generatedAt: new Date().toISOString(),
		kplugVersion: facts.version,
		host: {cores: availableParallelism(), node: process.version, qemu: facts.qemu, emulation: 'TCG'},
		kernel: input.kernel,
		matrix: {
			designs: uniq(all.map(c => c.design)),
			profiles: uniq(all.map(c => c.profile)),
			cpus: uniq(all.map(c => c.cpu)),
			scenarios: scenarios.filter(s => scenarioIds.includes(s.id)).map(s => ({id: s.id, title: s.title, description: s.description})),
		},
		claims: [...claimDefinitions],
		cells: input.cells,
		notRun: input.notRun,
		deviations: input.deviations,
		flakes: input.flakes,
		vectors: input.vectors ?? [],
		memory: input.memory,
		timing: {
			wallSeconds: Math.round(input.wallSeconds * 10) / 10,
			cellMedianSeconds: input.cells.length ? Math.round(median(input.cells.map(c => c.durationMs / 1000)) * 100) / 100 : undefined,
			jobs: input.jobs,
		},
		...(input.shard ? {shard: input.shard} : {}),
	};
}
