import test from 'ava';
import {phaseBreakdown, phaseDetail} from '../../../harness/bench/phase-breakdown.ts';
import type {CellTiming} from '../../../harness/scenarios/types.ts';

const cell = (phases: CellTiming['phases'], steps: CellTiming['steps'] = []): CellTiming => ({phases, steps});

test('phases: median, quartiles and range per phase over the cells, largest median first', t => {
	const {phases} = phaseBreakdown([
		cell({kernelBoot: 300, teardown: 40, probes: 100}),
		cell({kernelBoot: 500, teardown: 20, probes: 120}),
		cell({kernelBoot: 400, teardown: 60, probes: 80}),
	]);
	t.deepEqual(phases.map(p => p.name), ['kernelBoot', 'probes', 'teardown']);
	const boot = phases[0]!;
	t.is(boot.n, 3);
	t.is(boot.medianMs, 400);
	t.is(boot.minMs, 300);
	t.is(boot.maxMs, 500);
	t.is(boot.q1Ms, 350);
	t.is(boot.q3Ms, 450);
});

test('shares: each phase median over the sum of phase medians; they add up to 1', t => {
	const {phases} = phaseBreakdown([cell({qemuStart: 30, kernelBoot: 60, agentReady: 10})]);
	t.deepEqual(Object.fromEntries(phases.map(p => [p.name, p.share])), {kernelBoot: 0.6, qemuStart: 0.3, agentReady: 0.1});
	t.true(Math.abs(phases.reduce((s, p) => s + (p.share ?? 0), 0) - 1) < 1e-9);
});

test('a phase some cells lack (an errored cell never probed) counts only where it was measured', t => {
	const {phases} = phaseBreakdown([cell({kernelBoot: 100, probes: 50}), cell({kernelBoot: 120}), undefined]);
	t.is(phases.find(p => p.name === 'probes')?.n, 1);
	t.is(phases.find(p => p.name === 'kernelBoot')?.n, 2);
	t.is(phases.find(p => p.name === 'kernelBoot')?.medianMs, 110);
});

test('steps: one row per kind over every step run, largest first, without a share', t => {
	const {steps} = phaseBreakdown([
		cell({steps: 90}, [{kind: 'insmod', ms: 20}, {kind: 'insmod', ms: 40}, {kind: 'rmmod', ms: 10}]),
		cell({steps: 60}, [{kind: 'insmod', ms: 30}, {kind: 'unplug-under-load', ms: 5000}]),
	]);
	t.deepEqual(steps.map(s => [s.name, s.n, s.medianMs]), [['step unplug-under-load', 1, 5000], ['step insmod', 3, 30], ['step rmmod', 1, 10]]);
	t.true(steps.every(s => s.share === undefined));
});

test('no timing at all: nothing to report (no rows, no division by zero)', t => {
	t.deepEqual(phaseBreakdown([undefined, undefined]), {phases: [], steps: []});
	t.deepEqual(phaseBreakdown([]), {phases: [], steps: []});
});

test('ties keep a stable order by name', t => {
	const {phases} = phaseBreakdown([cell({teardown: 10, files: 10, setup: 10})]);
	t.deepEqual(phases.map(p => p.name), ['files', 'setup', 'teardown']);
});

test('phaseDetail: count, quartiles, range and the share in whole percent', t => {
	const [row] = phaseBreakdown([cell({kernelBoot: 300, qemuStart: 100}), cell({kernelBoot: 500, qemuStart: 100})]).phases;
	t.is(phaseDetail(row!), 'n=2, q1 350, q3 450, min 300, max 500, 80% of the cell');
});
