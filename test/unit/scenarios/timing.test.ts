import test from 'ava';
import {bootPhases, cellPhases, phaseRecorder} from '../../../harness/scenarios/timing.ts';
import {startPhases} from '../../../harness/vm/vm.ts';

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms));

test('phaseRecorder: a phase timed twice adds up; steps are listed one by one with their kind', async t => {
	const clock = phaseRecorder();
	await clock.time('setup', () => sleep(20));
	await clock.time('setup', () => sleep(20));
	const answer = await clock.step('steps', 'insmod', async () => {
		await sleep(15);
		return 42;
	});
	t.is(answer, 42);
	t.true(clock.timing.phases.setup! >= 38, String(clock.timing.phases.setup));
	t.is(clock.timing.steps.length, 1);
	t.is(clock.timing.steps[0]!.kind, 'insmod');
	t.true(clock.timing.steps[0]!.ms >= 13);
	t.is(clock.timing.phases.steps, clock.timing.steps[0]!.ms);
});

test('phaseRecorder: a phase that throws is still timed, and the error goes on', async t => {
	const clock = phaseRecorder();
	await t.throwsAsync(clock.step('probes', 'probe', async () => {
		await sleep(10);
		throw new Error('guest gone');
	}), {message: 'guest gone'});
	t.true(clock.timing.phases.probes! >= 8);
	t.is(clock.timing.steps.length, 1);
});

test('startPhases: before qemu, until the socket connects, until init, until READY', t => {
	t.deepEqual(startPhases({entered: 0, spawned: 5, connected: 65, init: 465, ready: 545.4}), {prepareMs: 5, qemuStartMs: 60, kernelBootMs: 400, agentReadyMs: 80});
});

test('startPhases: without the init line (or a stray one outside the boot) only the sure phases', t => {
	t.deepEqual(startPhases({entered: 0, spawned: 5, connected: 65, init: undefined, ready: 545}), {prepareMs: 5, qemuStartMs: 60});
	t.deepEqual(startPhases({entered: 0, spawned: 5, connected: 65, init: 600, ready: 545}), {prepareMs: 5, qemuStartMs: 60});
});

test('bootPhases: the image lookup is what booting took beyond the VM start', t => {
	const vm = {bootMs: 540, startPhases: {prepareMs: 5, qemuStartMs: 60, kernelBootMs: 400, agentReadyMs: 80}};
	t.deepEqual(bootPhases(600, vm), {image: 55, vmPrepare: 5, qemuStart: 60, kernelBoot: 400, agentReady: 80});
	t.is(bootPhases(500, vm).image, 0);
});

test('bootPhases of a restored guest: the wait for its snapshot and the restore, no kernel boot', t => {
	const vm = {bootMs: 200, startPhases: {prepareMs: 5, qemuStartMs: 40, restoreMs: 160}};
	t.deepEqual(bootPhases(1500, vm, 1200), {image: 95, snapshot: 1200, vmPrepare: 5, qemuStart: 40, restore: 160});
});

test('cellPhases: every phase once, in the order a cell goes through them', t => {
	t.is(new Set(cellPhases).size, cellPhases.length);
	t.is(cellPhases[0], 'image');
	t.is(cellPhases.at(-1), 'reportWrite');
	t.true(cellPhases.indexOf('kernelBoot') < cellPhases.indexOf('agentReady'));
	t.true(cellPhases.indexOf('snapshot') < cellPhases.indexOf('vmPrepare'));
	t.true(cellPhases.indexOf('restore') < cellPhases.indexOf('files'));
});
