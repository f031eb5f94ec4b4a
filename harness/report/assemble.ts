// Put a run's results together into a Report (the one object every output is rendered from).
import {availableParallelism} from 'node:os';
import {median} from '../memory/stats.ts';
import {claimDefinitions, evaluatePairClaims} from '../scenarios/claims.ts';
import {scenarios} from '../scenarios/registry.ts';
import type {CellId, CellResult} from '../scenarios/types.ts';
import {hostFacts} from '../util/host-facts.ts';
import {reportSchema, type Deviation, type Report} from './schema.ts';

export interface AssembleInput {
	cells: CellResult[];
	notRun: CellId[];
	deviations: Deviation[];
	flakes: Report['flakes'];
	repeats?: Report['repeats'];
	snapshotEvents?: Report['snapshotEvents'];
	knownOutcomes?: Report['knownOutcomes'];
	versionChanges?: Report['versionChanges'];
	vectors?: Report['vectors'];
	vectorsNotRun?: Report['vectorsNotRun'];
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
		host: {cores: availableParallelism(), node: process.version, qemu: facts.qemu, gcc: facts.gcc, emulation: 'TCG'},
		kernel: input.kernel,
		matrix: {
			designs: uniq(all.map(c => c.design)),
			profiles: uniq(all.map(c => c.profile)),
			cpus: uniq(all.map(c => c.cpu)),
			scenarios: scenarios.filter(s => scenarioIds.includes(s.id)).map(s => ({id: s.id, title: s.title, description: s.description})),
		},
		claims: [...claimDefinitions],
		cells: input.cells,
		pairClaims: evaluatePairClaims(input.cells),
		notRun: input.notRun,
		deviations: input.deviations,
		flakes: input.flakes,
		...(input.repeats && input.repeats.asked > 1 ? {repeats: input.repeats} : {}),
		...(input.snapshotEvents?.length ? {snapshotEvents: input.snapshotEvents} : {}),
		...(input.knownOutcomes?.length ? {knownOutcomes: input.knownOutcomes} : {}),
		...(input.versionChanges?.length ? {versionChanges: input.versionChanges} : {}),
		vectors: input.vectors ?? [],
		...(input.vectorsNotRun?.length ? {vectorsNotRun: input.vectorsNotRun} : {}),
		memory: input.memory,
		timing: {
			wallSeconds: Math.round(input.wallSeconds * 10) / 10,
			cellMedianSeconds: input.cells.length ? Math.round(median(input.cells.map(c => c.durationMs / 1000)) * 100) / 100 : undefined,
			jobs: input.jobs,
		},
		...(input.shard ? {shard: input.shard} : {}),
	};
}
