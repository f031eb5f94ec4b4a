import test, {type ExecutionContext} from 'ava';
import {buildContext} from '../../../harness/build/context.ts';
import {parseCommandArgs, type ParsedArgs} from '../../../harness/cli/command.ts';
import {memoryCommand} from '../../../harness/cli/memory-command.ts';
import {memoryNotRunLine, runMemoryJob, unmeasuredLine, type MemoryJobDeps} from '../../../harness/cli/memory-job.ts';
import type {MemorySample} from '../../../harness/memory/measure.ts';
import type {MemoryRow} from '../../../harness/report/schema.ts';
import {InterruptedError, UsageError} from '../../../harness/util/errors.ts';
import {createProgress} from '../../../harness/util/progress.ts';
import {tempDir} from '../../_temp.ts';

const measured: MemoryRow = {design: 'weak', profile: 'thumb2', cpu: 'neon', situation: 'loaded', archResident: true, archCoreSize: 9212, archVmallocBytes: 16384, archVmallocPages: 3, memAvailableMedianKb: 213040, boots: 5};
const lost: MemoryRow = {design: 'mainline', profile: 'arm', cpu: 'noneon', situation: 'skipped', archResident: false, archCoreSize: undefined, archVmallocBytes: undefined, archVmallocPages: undefined, memAvailableMedianKb: undefined, boots: 0, notes: ['no agent ready within 60000 ms', 'second']};

test('unmeasuredLine: every configuration measured is no line (exit 0)', t => {
	t.is(unmeasuredLine({rows: [measured, {...measured, situation: 'skipped'}], comparisons: []}), undefined);
});

test('unmeasuredLine: a configuration without one measured boot is named with its first error (exit 1)', t => {
	const line = unmeasuredLine({rows: [measured, lost, {...lost, situation: 'absent', notes: undefined}], comparisons: []});
	t.is(line, 'memory: 2 of 3 configuration situations could not be measured (no boot succeeded): mainline/arm/noneon skipped (no agent ready within 60000 ms); mainline/arm/noneon absent');
});

// A memory job on fakes: boots are counted, and the interrupt fires while the `stopAt`-th boot is running.
async function interruptedMemoryJob(t: ExecutionContext, stopAt: number, jobs = 1) {
	const controller = new AbortController();
	const out = await tempDir(t, 'memjob');
	const parsed = parseCommandArgs(memoryCommand, ['--repeat', '2', '--rounds', '3', '--jobs', String(jobs), '--out', out, '--cache', out]);
	const args: ParsedArgs = {...parsed, progress: createProgress({quiet: true}), signal: controller.signal};
	let started = 0;
	const boot = async <T>(value: T): Promise<T> => {
		if (++started === stopAt) {
			controller.abort(new InterruptedError('interrupted by SIGINT'));
			throw new InterruptedError('VM boot: interrupted');
		}
		return value;
	};
	const sample: MemorySample = {loaded: [], archResident: true, archCoreSize: 9404, archInitSize: 0, archProcModulesSize: 9404, archVmallocBytes: 16384, archVmallocPages: 3, mem: {MemTotal: 245444, MemFree: 231000, MemAvailable: 213000, VmallocUsed: 36, Percpu: 320, KernelStack: 600, PageTables: 200, SUnreclaim: 11400, Slab: 15000}, failedSteps: []};
	const deps: MemoryJobDeps = {
		sample: () => boot(sample),
		withinBoot: () => boot({rounds: [], failedSteps: []}),
		prepare: async () => true,
	};
	const memory = await runMemoryJob(args, buildContext(out, args.progress, controller.signal), out, {designs: ['weak'], profiles: ['thumb2'], cpus: ['neon']}, deps);
	return {memory, started};
}

test('interrupted mid-job: finished boots are kept, the rest are "not run" (not failed), and no configuration counts as lost', async t => {
	// Tasks in order: 4 situations × 2 boots, then the within-boot boot; the 4th boot is stopped.
	const {memory, started} = await interruptedMemoryJob(t, 4);
	t.is(started, 4, 'nothing starts after the interrupt');
	t.deepEqual(memory.rows.map(r => [r.situation, r.boots, r.bootsNotRun ?? 0, r.bootsFailed ?? 0]), [['loaded', 2, 0, 0], ['skipped', 1, 1, 0], ['absent', 0, 2, 0], ['blacklisted', 0, 2, 0]]);
	t.is(memory.rows[0]!.archCoreSize, 9404);
	t.true(memory.rows.every(r => !r.notes), 'the interrupt is no failed step or boot error');
	t.deepEqual(memory.withinBoot, []);
	t.deepEqual(memory.withinBootNotRun, [{design: 'weak', profile: 'thumb2', cpu: 'neon'}]);
	t.is(unmeasuredLine(memory), undefined, 'not run is not "could not be measured" (exit 1)');
	t.is(memoryNotRunLine(memory), 'memory not run (interrupted): 5 of 8 boots (weak/thumb2/neon skipped 1, weak/thumb2/neon absent 2, weak/thumb2/neon blacklisted 2); within-boot for weak/thumb2/neon');
	// The comparison of the finished boots is still made (2 with, 1 without).
	t.is(memory.comparisons.find(c => c.field === 'MemAvailable')?.differenceKb, 0);
});

test('an uninterrupted fake job has nothing not run', async t => {
	const {memory, started} = await interruptedMemoryJob(t, Number.POSITIVE_INFINITY, 2);
	t.is(started, 9);
	t.true(memory.rows.every(r => r.boots === 2 && r.bootsNotRun === undefined));
	t.is(memory.withinBootNotRun, undefined);
	t.is(memory.withinBoot?.length, 1);
	t.is(memoryNotRunLine(memory), undefined);
});

test('unmeasuredLine: a row the interrupt emptied is not lost, one with a failed boot and the rest not run is', t => {
	const stopped: MemoryRow = {...lost, notes: undefined, bootsNotRun: 5};
	t.is(unmeasuredLine({rows: [measured, stopped], comparisons: []}), undefined);
	t.regex(unmeasuredLine({rows: [measured, {...stopped, bootsNotRun: 4, bootsFailed: 1, notes: ['no agent ready']}], comparisons: []}) ?? '', /1 of 2 configuration situations could not be measured .*mainline\/arm\/noneon skipped \(no agent ready\)/);
});

test('--rounds must be a whole number ≥ 0: anything else is a UsageError before any boot', async t => {
	const out = await tempDir(t, 'memjob');
	let boots = 0;
	const deps: MemoryJobDeps = {sample: async () => { boots++; throw new Error('no boot expected'); }, withinBoot: async () => { boots++; throw new Error('no boot expected'); }, prepare: async () => true};
	const args = {...parseCommandArgs(memoryCommand, ['--rounds', 'many', '--out', out]), progress: createProgress({quiet: true})};
	await t.throwsAsync(runMemoryJob(args, buildContext(out, args.progress), out, {designs: ['weak'], profiles: ['thumb2']}, deps), {instanceOf: UsageError, message: '--rounds must be an integer ≥ 0, got "many"'});
	t.is(boots, 0);
});

test('a consolidated design (mainline on 7.3): loaded and blacklisted boots only, no within-boot rounds and no with/without comparison; its rows name the module and the NEON bytes', async t => {
	const out = await tempDir(t, 'memjob');
	const parsed = parseCommandArgs(memoryCommand, ['--repeat', '1', '--rounds', '2', '--out', out, '--cache', out]);
	const args: ParsedArgs = {...parsed, progress: createProgress({quiet: true})};
	const booted: string[] = [];
	const sample = (design: string): MemorySample => ({
		loaded: [], archResident: true, archCoreSize: design === 'mainline' ? 28672 : 16384, archInitSize: 0, archProcModulesSize: 0, archVmallocBytes: 0, archVmallocPages: 0,
		mem: {MemTotal: 1, MemFree: 1, MemAvailable: 1, VmallocUsed: 0, Percpu: 0, KernelStack: 0, PageTables: 0, SUnreclaim: 0, Slab: 0}, failedSteps: [],
		...(design === 'mainline' ? {archModule: 'libcurve25519', neonCoreBytes: 7926} : {}),
	});
	const deps: MemoryJobDeps = {
		sample: async (_ctx, c, s) => (booted.push(`${c.design} ${s.name}`), sample(c.design)),
		withinBoot: async (_ctx, c) => (booted.push(`${c.design} within-boot`), {rounds: [], failedSteps: []}),
		prepare: async () => true,
	};
	const memory = await runMemoryJob(args, buildContext(out, args.progress), out, {designs: ['mainline', 'weak'], kernels: ['7.3'], profiles: ['thumb2'], cpus: ['noneon']}, deps);
	t.deepEqual(booted.filter(b => b.startsWith('mainline')).sort(), ['mainline blacklisted', 'mainline loaded']);
	t.deepEqual(booted.filter(b => b.startsWith('weak')).sort(), ['weak absent', 'weak blacklisted', 'weak loaded', 'weak skipped', 'weak within-boot']);
	const mainline = memory.rows.filter(r => r.design === 'mainline');
	t.deepEqual(mainline.map(r => [r.situation, r.archModule, r.neonCoreBytes]), [['loaded', 'libcurve25519', 7926], ['blacklisted', 'libcurve25519', 7926]]);
	t.regex(mainline[0]!.notes?.[0] ?? '', /^no arch module: the arch columns are libcurve25519's, which carries 7926 bytes of NEON core/);
	t.true(memory.rows.filter(r => r.design === 'weak').every(r => r.archModule === undefined && !r.notes));
	t.deepEqual([...new Set(memory.comparisons.map(c => c.design))], ['weak']);
	t.deepEqual(memory.withinBoot?.map(w => w.design), ['weak']);
	t.is(unmeasuredLine(memory), undefined);
});
