// The recorded full-matrix run (test/fixtures/scenarios/cells.json) as a Report: what a kernel developer
// would open after `npm start`, for the tests of the report's layout and its kernel-native outputs.
import {resultsOf} from '../../../harness/report/readme-findings.ts';
import {reportSchema, type Report} from '../../../harness/report/schema.ts';
import {claimDefinitions, evaluatePairClaims} from '../../../harness/scenarios/claims.ts';
import {scenarios} from '../../../harness/scenarios/registry.ts';
import {fixtureCells} from '../scenarios/_cells.ts';

// A fresh Report of the recorded run (tests may mutate it).
export function recordedReport(): Report {
	const cells = resultsOf(fixtureCells());
	const uniq = (values: string[]): string[] => [...new Set(values)];
	const ids = uniq(cells.map(c => c.id.scenario));
	return {
		schema: reportSchema,
		generatedAt: '2025-01-01T00:00:00.000Z',
		kplugVersion: '0.1.0',
		host: {cores: 2, node: 'v20.20.2', qemu: 'QEMU emulator version 7.2.0', emulation: 'TCG'},
		kernel: {sourcePackage: 'linux-source-6.1', sourceVersion: '6.1.176-1', release: '6.1.176'},
		matrix: {
			designs: uniq(cells.map(c => c.id.design)),
			profiles: uniq(cells.map(c => c.id.profile)),
			cpus: uniq(cells.map(c => c.id.cpu)),
			scenarios: scenarios.filter(s => ids.includes(s.id)).map(s => ({id: s.id, title: s.title, description: s.description})),
		},
		claims: [...claimDefinitions],
		cells,
		pairClaims: evaluatePairClaims(cells),
		notRun: [],
		deviations: [],
		flakes: [],
		vectors: [],
		memory: undefined,
		timing: {wallSeconds: 240, cellMedianSeconds: 1.6, jobs: 2},
	};
}
