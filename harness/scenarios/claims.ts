// The proposal's claims as data: id, statement, source quote and an evaluator over observations.
// Every verdict rests on an observation that could have shown otherwise and carries its raw lines.
// Four states: holds / fails / n/a (the claim does not apply here) / not evaluated (the observations
// needed were not made: the cell errored, kernel tracing was missing, or a pair's partner did not run).
import {moduleNames} from '../subject/designs.ts';
import {configKey} from './config-key.ts';
import {residentLine} from './module-line.ts';
import {cellOutcome, eventKinds} from './outcome.ts';
import {scenario as lookupScenario} from './registry.ts';
import {seedWhere, threadQuotes, type Source} from './sources.ts';
import type {CellObservation, CellResult, ClaimResult, PathProbe, StepResult, Verdict} from './types.ts';

export interface Claim {
	id: string;
	statement: string;
	source: Source;
	// 'cell': judged on one cell; 'pair': judged on two cells of one configuration (see pairScenarios).
	scope: 'cell' | 'pair';
	evaluate: (obs: CellObservation) => ClaimResult;
}

export interface PairClaim extends Omit<Claim, 'evaluate'> {
	scope: 'pair';
	// The scenarios compared, within one design × profile × CPU.
	pair: readonly [string, string];
	evaluatePair: (a: CellObservation | undefined, b: CellObservation | undefined, config: string) => ClaimResult;
}

const seed = (quote: string): Source => ({who: 'Ard Biesheuvel', where: seedWhere, quote});
const said = (who: string, start: string): Source => {
	const found = threadQuotes.find(q => q.who === who && q.quote.startsWith(start));
	if (!found) throw new Error(`no thread quote by ${who} starting "${start}"`);
	return found;
};

const arch = moduleNames.arch;
const blacklistScenarios = new Set(['blacklist-modprobe-d', 'blacklist-install', 'blacklist-cmdline-modprobe', 'blacklist-cmdline-kernel', 'alias-blacklist']);

// --- reading observations --------------------------------------------------------------------

interface Moment {
	// "after `insmod arch` (kmod)" or "at probe plugged".
	name: string;
	modules: string[];
	step?: StepResult;
	probe?: PathProbe;
}

// The cell's moments in the order they happened: after each step and at each probe.
export function timeline(obs: CellObservation): Moment[] {
	const moments: Moment[] = [];
	let s = 0;
	let p = 0;
	for (const step of lookupScenario(obs.id.scenario).steps) {
		if (step.kind === 'probe') {
			const probe = obs.probes[p++];
			if (probe) moments.push({name: `at probe ${probe.label}`, modules: probe.modules ?? [], probe});
		} else {
			const result = obs.steps[s++];
			if (result) moments.push({name: `after \`${result.label}\` (${result.tool})`, modules: result.modulesAfter ?? [], step: result});
		}
	}
	const end = obs.probes.find(pr => pr.label === 'end');
	if (end) moments.push({name: 'at probe end', modules: end.modules ?? [], probe: end});
	return moments;
}


function endProbe(obs: CellObservation): PathProbe | undefined {
	return obs.probes.find(p => p.label === 'end');
}

// "The library works": its API answers every vector correctly through the driver.
function works(probe: PathProbe | undefined): boolean {
	return Boolean(probe && probe.driverLoaded && probe.apiTotal > 0 && probe.apiPassed === probe.apiTotal);
}

// What the kernel saw the api batch run, or the module's report when tracing was unavailable.
function kernelPaths(probe: PathProbe | undefined): string[] | undefined {
	return probe?.kernel?.paths;
}

function describeProbe(probe: PathProbe | undefined): string {
	if (!probe) return 'no probe';
	if (!probe.driverLoaded) return `probe ${probe.label}: driver not loaded (library API unreachable)`;
	const kernel = probe.kernel ? `kernel saw ${probe.kernel.paths.join('+') || 'nothing'}` : 'kernel path not observed';
	return `probe ${probe.label}: module says ${probe.apiPaths.join('+') || 'none'}, ${kernel}, vectors ${probe.apiPassed}/${probe.apiTotal}`;
}

function probeLines(probe: PathProbe | undefined): string[] {
	if (!probe) return [];
	const counts = probe.kernel ? [`kprobe hits during the api batch: neon ${probe.kernel.counts.neon}, generic ${probe.kernel.counts.generic}, curve25519_arch ${probe.kernel.counts.arch}`] : [];
	return [describeProbe(probe), ...counts, ...(probe.kernel?.raw ?? [])];
}

function stepLine(step: StepResult): string {
	const answer = step.exitCode === 0 ? 'ok' : `${step.errno ?? 'error'} (exit ${step.exitCode})`;
	return `${step.label} [${step.tool}]: ${answer}${step.message ? ` — ${step.message.split('\n')[0]}` : ''}`;
}

function failedSteps(obs: CellObservation): string[] {
	return obs.steps.filter(s => s.exitCode !== 0).map(stepLine);
}

// The first failed step that is not about the arch module (whose refusal may be the expected part).
function firstOtherFailure(obs: CellObservation): string {
	const step = obs.steps.find(s => s.exitCode !== 0 && !s.label.endsWith(' arch'));
	return step ? `; ${stepLine(step)}` : '';
}

// `reason`: a failure's cause in a few words, the same for every cell that fails the same way (the verdict table
// groups by it); only a failing verdict keeps one.
const verdictOf = (claim: string, verdict: Verdict, evidence: string, lines: string[] = [], reason?: string): ClaimResult =>
	({claim, verdict, evidence, lines, ...(verdict === 'fails' && reason ? {reason} : {})});

// Why a library that should work does not, in a few words: unreachable (with the answer of the first load that
// failed, other than the arch module's: an earlier refused removal is no reason) or wrong.
function unusable(obs: CellObservation, probe: PathProbe | undefined): string {
	if (!probe) return 'no probe ran';
	const step = obs.steps.find(s => s.exitCode !== 0 && /^(insmod|modprobe|finit_module) /.test(s.label) && !s.label.endsWith(' arch'));
	const answer = step ? ` (${step.label}: ${step.errno ?? `exit ${step.exitCode}`})` : '';
	if (!probe.driverLoaded) return `library unreachable${answer}`;
	return probe.apiTotal === 0 ? 'no vector ran' : 'wrong results';
}

// Why a probe that should have run the NEON code alone did not: the library did not work, or the kernel saw another
// path (beside the NEON code, or instead of it).
function notNeon(obs: CellObservation, probe: PathProbe): string {
	if (!works(probe)) return unusable(obs, probe);
	const paths = probe.kernel?.paths ?? [];
	return `${paths.includes('arch-glue→neon') ? 'not only the NEON code' : 'NEON code not run'} (kernel saw ${paths.join('+') || 'nothing'})`;
}

// Why calls that should all run the generic code did not, with what the kernel (or the module) saw instead.
const notGeneric = (probe: PathProbe): string => `not on the generic path alone (saw ${(kernelPaths(probe) ?? probe.apiPaths).join('+') || 'nothing'})`;

// Steps that try to load the arch module, directly or through kmod's dependency/alias resolution.
function triesArch(step: StepResult): boolean {
	return /^(insmod|finit_module) arch$/.test(step.label) || step.label.startsWith('modprobe ');
}

// C5b under load: removals and inserts while the caller thread runs; every result must stay right.
function underLoad(obs: CellObservation): ClaimResult {
	const step = obs.steps.find(s => s.load);
	const load = step?.load;
	const before = step ? obs.steps[obs.steps.indexOf(step) - 1] : undefined;
	if (!step || !load) return verdictOf('C5b', 'not evaluated', 'the unplug-under-load step did not run');
	if (!residentLine(before?.modulesAfter ?? [], arch) || !residentLine(before?.modulesAfter ?? [], moduleNames.driver)) {
		return verdictOf('C5b', 'n/a', `arch module and the library's user not both loaded before the loop (${failedSteps(obs).join('; ') || 'nothing failed'})`);
	}
	const events = eventKinds(step.consoleEvents);
	const refusals = Object.entries(load.refusals).map(([text, n]) => `${n}× ${text}`);
	const counts = `${load.iterations} iterations: ${load.removed} removals allowed, ${load.removeRefused} refused, ${load.inserted} inserts; caller ran across ${load.callerRanAcross}; ${load.calls} calls, ${load.wrong} wrong`;
	const kernel = load.kernel ? `; kernel saw NEON core ${load.kernel.counts.neon}×, generic ${load.kernel.counts.generic}×` : '';
	const lines = [counts + kernel, ...refusals, ...step.consoleEvents];
	// A wrong result or an Oops/BUG/WARN while the loop ran is the answer, whether or not the loop got to its end (a
	// BUG that kills the caller thread also fails the step).
	if (load.wrong > 0 || events.length > 0) {
		const reason = load.wrong > 0 ? 'wrong results under load' : `console ${events.join(',')} under load`;
		return verdictOf('C5b', 'fails', `unplugging under load is unsafe: ${load.wrong} wrong results${events.length ? `, console ${events.join(',')}` : ''}${step.exitCode !== 0 ? `, ${stepLine(step)}` : ''} (${counts})`, lines, reason);
	}
	if (step.exitCode !== 0 || load.iterations === 0) return verdictOf('C5b', 'not evaluated', `the loop did not run (${stepLine(step)})`, lines);
	// The verdict rests on the timing-free facts: wrong results or console events (above), and the removal with
	// the caller stopped. How many removals went through while calls were in flight is evidence, not the verdict:
	// on two CPUs a design that holds a reference per call (softdep) refuses almost every one of them, by timing.
	const idleRefusal = Object.keys(load.refusals).find(k => k.startsWith('idle-refused: '))?.slice(14);
	if (load.idle === 'refused') return verdictOf('C5b', 'fails', `removal refused even with the caller stopped (${idleRefusal ?? 'no message'}); under load ${refusals[0] ?? 'no refusal'} (${counts})`, lines, 'removal refused with the caller stopped');
	if (load.callerRanAcross === 0) return verdictOf('C5b', 'not evaluated', `the caller thread was never seen running across a transition (${counts})`, lines);
	if (load.idle === 'removed') {
		// The claim is that calls continue on the generic path: judged on the caller's run after the removal.
		const after = load.afterRemoval;
		const afterKernel = after?.kernel ? `; kernel saw NEON core ${after.kernel.counts.neon}×, generic ${after.kernel.counts.generic}×` : '';
		const afterCounts = after ? `after the removal: ${after.calls} calls, ${after.wrong} wrong${afterKernel}` : 'no run after the removal';
		const withAfter = [...lines.slice(0, 1), afterCounts, ...lines.slice(1)];
		const inFlight = load.removed === 0 ? `; under load every removal was refused while a call was in flight (${refusals[0] ?? 'no message'})` : '';
		if (!after || after.exitCode !== 0 || after.calls === 0) {
			return verdictOf('C5b', 'not evaluated', `removed with the caller stopped, but no call ran without the arch module (${afterCounts}${after && after.exitCode !== 0 ? `, exit ${after.exitCode}` : ''})`, withAfter);
		}
		if (after.wrong > 0) return verdictOf('C5b', 'fails', `removed with the caller stopped, then ${after.wrong} of ${after.calls} calls without it wrong${afterKernel}`, withAfter, 'wrong results after the removal');
		if (after.kernel && after.kernel.counts.neon > 0) return verdictOf('C5b', 'fails', `removed with the caller stopped, yet NEON code ran ${after.kernel.counts.neon}× after the removal (${afterCounts})`, withAfter, 'NEON code ran after the removal');
		if (after.kernel && after.kernel.counts.generic === 0) return verdictOf('C5b', 'not evaluated', `removed with the caller stopped; the caller made ${after.calls} calls after it but the kernel saw no generic entry (${afterCounts})`, withAfter);
		return verdictOf('C5b', 'holds', `removed with the caller stopped, then ${after.calls} calls without it, every one right${afterKernel}; under load every result right (${counts}${kernel})${inFlight}`, withAfter);
	}
	if (load.removed > 0) return verdictOf('C5b', 'holds', `removed and re-inserted under load with every result right (${counts}${kernel}); not loaded when the caller stopped`, lines);
	return verdictOf('C5b', 'not evaluated', `no removal under load and the arch module was ${load.idle === 'absent' ? 'not loaded' : 'not tried'} once the caller stopped (${counts})`, lines);
}

// --- the claims --------------------------------------------------------------------------------

export const cellClaims: readonly Claim[] = [
	{
		id: 'C1',
		statement: 'Without the arch module, the library loads and serves every call on the generic path.',
		source: seed('may not be loadable on certain systems'),
		scope: 'cell',
		evaluate(obs) {
			const {scenario} = obs.id;
			if (scenario !== 'no-arch' && scenario !== 'rmmod') return verdictOf('C1', 'n/a', 'the arch module is available in this scenario');
			const end = endProbe(obs);
			const gone = !residentLine(end?.modules ?? [], arch);
			const generic = (kernelPaths(end) ?? end?.apiPaths ?? []).join() === 'generic';
			const ok = gone && works(end) && generic;
			const archLoad = obs.steps.find(st => st.label === 'insmod arch');
			const what = scenario === 'no-arch'
				? 'arch module not in the image'
				: archLoad?.exitCode === 0
					? 'arch module removed (after everything using it was removed), library and driver loaded again'
					: `arch module never loaded (${archLoad ? stepLine(archLoad) : 'no load step'}), library and driver loaded again`;
			const why = works(end) ? '' : firstOtherFailure(obs);
			const reason = !gone ? 'arch module still resident' : !works(end) ? unusable(obs, end) : notGeneric(end!);
			return verdictOf('C1', ok ? 'holds' : 'fails', `${what}; ${describeProbe(end)}${why}`, [...probeLines(end), ...(end?.modules ?? []), ...failedSteps(obs)], reason);
		},
	},
	{
		id: 'C2',
		statement: 'A blacklisted arch module is not loaded, and the library still works.',
		source: seed('or be blacklisted by the user'),
		scope: 'cell',
		evaluate(obs) {
			if (!blacklistScenarios.has(obs.id.scenario)) return verdictOf('C2', 'n/a', 'no blacklisting in this scenario');
			const moments = timeline(obs);
			const loadedAt = moments.find(m => residentLine(m.modules, arch));
			const end = endProbe(obs);
			const ok = !loadedAt && works(end);
			const lines = moments.filter(m => m.step).map(m => `${stepLine(m.step!)}; then ${residentLine(m.modules, arch) ?? `${arch} not loaded`}`);
			const alias = obs.steps.find(s => s.resolved);
			if (alias?.resolved) lines.unshift(`modprobe -R ${alias.label.split(' ')[1]}: ${alias.resolved.modules.join(', ') || '(nothing)'}`);
			const why = works(end) ? '' : firstOtherFailure(obs);
			const evidence = loadedAt ? `arch module LOADED despite the blacklist, ${loadedAt.name}` : `arch module never loaded; ${describeProbe(end)}${why}`;
			return verdictOf('C2', ok ? 'holds' : 'fails', evidence, [...lines, ...probeLines(end)], loadedAt ? 'loaded despite the blacklist' : unusable(obs, end));
		},
	},
	{
		id: 'C3',
		statement: 'On a CPU without NEON the arch module does not stay resident (judged after every load attempt and at every probe), and the library still works.',
		source: seed('does not have to stay resident in memory if the cpu is incapable of executing it'),
		scope: 'cell',
		evaluate(obs) {
			if (obs.neonInCpuinfo) return verdictOf('C3', 'n/a', 'CPU has NEON');
			const moments = timeline(obs).filter(m => m.probe || (m.step && triesArch(m.step)));
			if (!obs.steps.some(triesArch)) return verdictOf('C3', 'n/a', 'scenario does not load the arch module');
			const resident = moments.find(m => residentLine(m.modules, arch));
			const end = endProbe(obs);
			const lines = moments.map(m => `${m.name}: ${residentLine(m.modules, arch) ?? `${arch} not resident`}`);
			if (resident) return verdictOf('C3', 'fails', `CPU without NEON; arch module RESIDENT ${resident.name} (${residentLine(resident.modules, arch)})`, [...lines, ...probeLines(end)], 'resident without NEON');
			const why = works(end) ? '' : firstOtherFailure(obs);
			return verdictOf('C3', works(end) ? 'holds' : 'fails', `CPU without NEON; arch module not resident at any of ${moments.length} moments; ${describeProbe(end)}${why}`, [...lines, ...failedSteps(obs), ...probeLines(end)], unusable(obs, end));
		},
	},
	{
		id: 'C4',
		statement: 'When the arch module is loaded before the library on a CPU with NEON, the library\'s calls run the NEON code (kernel-observed).',
		source: seed('If it does get satisfied, the relocations covering the movw/movt pair and the one covering the bl instruction get updated so that they point to the arch routine.'),
		scope: 'cell',
		evaluate(obs) {
			if (!obs.neonInCpuinfo) return verdictOf('C4', 'n/a', 'CPU has no NEON');
			if (obs.id.scenario === 'lib-first') return verdictOf('C4', 'n/a', 'the library loads before the arch module here (C7 and C8)');
			const probes = obs.probes.filter(p => p.driverLoaded && residentLine(p.modules ?? [], arch));
			if (probes.length === 0) return verdictOf('C4', 'n/a', 'arch module and driver never loaded together');
			if (probes.some(p => !p.kernel)) return verdictOf('C4', 'not evaluated', `kernel-side path not observed (${obs.tracing?.message ?? 'no tracing'})`);
			const bad = probes.find(p => p.kernel!.paths.join() !== 'arch-glue→neon' || !works(p));
			return verdictOf('C4', bad ? 'fails' : 'holds', bad ? describeProbe(bad) : probes.map(describeProbe).join('; '), probes.flatMap(probeLines), bad && notNeon(obs, bad));
		},
	},
	{
		id: 'C5a',
		statement: 'While the library is bound to it, the arch module cannot be removed (and who refuses: the tool or the kernel).',
		source: seed('but without the ability to unplug them'),
		scope: 'cell',
		evaluate(obs) {
			if (obs.id.scenario !== 'rmmod' && obs.id.scenario !== 'runtime-unplug') return verdictOf('C5a', 'n/a', 'no removal of the arch module while it is in use');
			const loaded = obs.steps.some(s => residentLine(s.modulesAfter ?? [], arch));
			if (!loaded) return verdictOf('C5a', 'n/a', `arch module never loaded (${failedSteps(obs).join('; ') || 'no load step'})`);
			// The removals attempted while the library (or its user) held the arch module: /proc/modules
			// lists them as its holders. A design whose library does not pin the arch module is not "bound".
			const holdersBefore = (s: StepResult): string => {
				const index = obs.steps.indexOf(s);
				const line = index > 0 ? residentLine(obs.steps[index - 1]!.modulesAfter ?? [], arch) : undefined;
				return /\bby (\S+)/.exec(line ?? '')?.[1] ?? '';
			};
			const removals = obs.steps.filter(s => /^(rmmod|delete_module) arch$/.test(s.label));
			const attempts = removals.filter(s => /\b(libcurve25519|kplug_x25519)\b/.test(holdersBefore(s)));
			if (attempts.length === 0) {
				const unbound = removals.find(s => residentLine(obs.steps[obs.steps.indexOf(s) - 1]?.modulesAfter ?? [], arch));
				return verdictOf('C5a', 'n/a', unbound ? `the library does not pin the arch module (no holders when \`${unbound.label}\` ran: ${stepLine(unbound)})` : 'no removal attempted while the library was loaded', unbound ? [stepLine(unbound)] : []);
			}
			const removed = attempts.find(s => s.exitCode === 0);
			const who = attempts.map(s => `${s.tool === 'kernel' ? 'the kernel (delete_module)' : `${s.tool} ${s.argv[0]}`}: ${s.errno ?? `exit ${s.exitCode}`}`).join('; ');
			const lines = attempts.map(s => `${stepLine(s)}; then ${residentLine(s.modulesAfter ?? [], arch) ?? `${arch} gone`}`);
			return verdictOf('C5a', removed ? 'fails' : 'holds', removed ? `removal SUCCEEDED while in use: ${stepLine(removed)}` : `refused by ${who}`, lines, 'removed while in use');
		},
	},
	{
		id: 'C5b',
		statement: 'The arch module can be unplugged at runtime: with the library and its user loaded, it is removed and calls continue on the generic path, nothing reloaded.',
		source: seed('so that the accelerated implementations can be [un]plugged at runtime'),
		scope: 'cell',
		evaluate(obs) {
			if (obs.id.scenario === 'unplug-under-load') return underLoad(obs);
			if (obs.id.scenario !== 'runtime-unplug') return verdictOf('C5b', 'n/a', 'no runtime unplug in this scenario');
			const plugged = obs.probes.find(p => p.label === 'plugged');
			if (!residentLine(plugged?.modules ?? [], arch) || !plugged?.driverLoaded) {
				return verdictOf('C5b', 'n/a', `arch module and the library's user not both loaded (${failedSteps(obs).join('; ') || describeProbe(plugged)})`);
			}
			const unplug = obs.steps.find(s => s.label === 'delete_module arch');
			const after = obs.probes.find(p => p.label === 'after-unplug');
			if (!unplug || !after) return verdictOf('C5b', 'not evaluated', 'the unplug step or the probe after it is missing');
			const lines = [stepLine(unplug), ...(unplug.modulesAfter ?? []), ...probeLines(after)];
			const refusal = unplug.errno ?? `exit ${unplug.exitCode}`;
			if (unplug.exitCode !== 0) return verdictOf('C5b', 'fails', `cannot unplug at runtime: the kernel refused delete_module(${arch}, O_NONBLOCK) with ${refusal} (${residentLine(unplug.modulesAfter ?? [], arch) ?? 'in use'})`, lines, `unplug refused (${refusal})`);
			const generic = (kernelPaths(after) ?? after.apiPaths).join() === 'generic';
			const ok = !residentLine(after.modules ?? [], arch) && works(after) && generic;
			const reason = residentLine(after.modules ?? [], arch) ? 'arch module still resident' : !works(after) ? unusable(obs, after) : notGeneric(after);
			return verdictOf('C5b', ok ? 'holds' : 'fails', `arch module removed at runtime; ${describeProbe(after)}`, lines, reason);
		},
	},
	{
		id: 'C7',
		statement: 'The reference is bound only when the library loads: an arch module loaded later is not used.',
		source: seed("It either gets satisfied at module load time, or it doesn't."),
		scope: 'cell',
		evaluate(obs) {
			const end = endProbe(obs);
			if (obs.id.scenario !== 'lib-first') return verdictOf('C7', 'n/a', 'library not loaded before the arch module');
			if (!obs.neonInCpuinfo || !end?.driverLoaded || !residentLine(end.modules ?? [], arch) || !residentLine(end.modules ?? [], moduleNames.lib)) {
				return verdictOf('C7', 'n/a', 'library, arch module and driver not all loaded on a NEON CPU');
			}
			if (!end.kernel) return verdictOf('C7', 'not evaluated', `kernel-side path not observed (${obs.tracing?.message ?? 'no tracing'})`);
			const usesArch = end.kernel.paths.includes('arch-glue→neon');
			return verdictOf('C7', usesArch ? 'fails' : 'holds', `arch module loaded after the library; ${describeProbe(end)}`, probeLines(end), 'NEON code used, loaded after the library');
		},
	},
	{
		id: 'C8',
		statement: 'Whenever the arch module is loaded, the arch code is what runs (no arch module resident but idle).',
		source: said('Ard Biesheuvel', 'My goal here'),
		scope: 'cell',
		evaluate(obs) {
			const probes = obs.probes.filter(p => p.driverLoaded && residentLine(p.modules ?? [], arch));
			if (probes.length === 0) return verdictOf('C8', 'n/a', 'arch module and driver never loaded together');
			if (probes.some(p => !p.kernel)) return verdictOf('C8', 'not evaluated', `kernel-side path not observed (${obs.tracing?.message ?? 'no tracing'})`);
			const idle = probes.find(p => !p.kernel!.paths.includes('arch-glue→neon'));
			if (!idle) return verdictOf('C8', 'holds', probes.map(describeProbe).join('; '), probes.flatMap(probeLines));
			const why = idle.kernel!.paths.includes('arch-glue→generic') ? 'its glue fell back to curve25519_generic (no NEON executed)' : 'arch module loaded but unused';
			return verdictOf('C8', 'fails', `${residentLine(idle.modules ?? [], arch)} at probe ${idle.label}, yet ${why}: ${describeProbe(idle)}`, probeLines(idle), 'arch module resident but idle');
		},
	},
];

// --- a consolidated library: the arch code is not a module of its own -----------------------------
// Mainline on 7.x links the NEON core and the generic code into libcurve25519.ko behind a static key set from
// HWCAP_NEON. There is no arch module to leave out, load later or remove: the claims about those are n/a. The claims
// about the arch code being resident or run are judged on the NEON core itself: /proc/kallsyms' curve25519_neon and
// its owner at the end of the cell, and the kernel's kprobe counts at each probe.

// "curve25519_neon [libcurve25519]", or why it is not there.
function neonCoreLine(obs: CellObservation): string {
	const neon = obs.kallsymsNeon;
	return neon?.present ? `kallsyms: curve25519_neon [${neon.owner}]` : 'kallsyms: no curve25519_neon';
}

// Whether the NEON core was resident at the end: kallsyms lists it in the module that carries it.
function neonCoreResident(obs: CellObservation): boolean {
	return Boolean(obs.kallsymsNeon?.present && obs.kallsymsNeon.owner === obs.archModule);
}

// How the kernel saw the calls at a probe: "ran the NEON core 40×" or "did not run it (generic 40×)".
function neonRun(probe: PathProbe | undefined): string {
	if (!probe?.kernel) return 'kernel path not observed';
	const {neon, generic} = probe.kernel.counts;
	return neon > 0 ? `the kernel saw the NEON core run ${neon}× at probe ${probe.label}` : `the kernel saw no NEON entry at probe ${probe.label} (generic ${generic}×)`;
}

// The NEON core is linked into the library: with the library loaded and no curve25519_neon [library] in kallsyms the
// reading failed (or the kernel is built without it); that is no observation of "not resident".
function coreReadingMissing(obs: CellObservation): string | undefined {
	const loaded = residentLine(endProbe(obs)?.modules ?? obs.modulesAtEnd.map(m => m.name), obs.archModule!);
	return loaded && !neonCoreResident(obs) ? `${obs.archModule} is loaded but ${neonCoreLine(obs)} in it: the NEON core's residency was not read` : undefined;
}

const noArchModule = (obs: CellObservation): string => `no arch module: the NEON code is linked into ${obs.archModule} (${neonCoreLine(obs)})`;

const consolidatedClaims: Record<string, (obs: CellObservation) => ClaimResult> = {
	C1: obs => verdictOf('C1', 'n/a', `${noArchModule(obs)}, so no scenario runs the library without it`),
	C2(obs) {
		if (!blacklistScenarios.has(obs.id.scenario)) return verdictOf('C2', 'n/a', 'no blacklisting in this scenario');
		const end = endProbe(obs);
		const lines = [neonCoreLine(obs), ...obs.steps.map(s => s.skipped ? `${s.label}: n/a (${s.skipped})` : stepLine(s)), ...probeLines(end)];
		if (coreReadingMissing(obs)) return verdictOf('C2', 'not evaluated', coreReadingMissing(obs)!, lines);
		if (neonCoreResident(obs)) {
			return verdictOf('C2', 'fails', `the blacklist names ${arch}, which does not exist here: the NEON core stays resident inside ${obs.archModule} (${neonCoreLine(obs)}) and ${neonRun(end)}; ${describeProbe(end)}`, lines, `NEON core resident in ${obs.archModule}`);
		}
		return verdictOf('C2', works(end) ? 'holds' : 'fails', `NEON core not resident (${neonCoreLine(obs)}); ${describeProbe(end)}${works(end) ? '' : firstOtherFailure(obs)}`, lines, unusable(obs, end));
	},
	C3(obs) {
		if (obs.neonInCpuinfo) return verdictOf('C3', 'n/a', 'CPU has NEON');
		const end = endProbe(obs);
		const lines = [neonCoreLine(obs), ...(end?.modules ?? []), ...probeLines(end)];
		if (coreReadingMissing(obs)) return verdictOf('C3', 'not evaluated', coreReadingMissing(obs)!, lines);
		if (neonCoreResident(obs)) return verdictOf('C3', 'fails', `CPU without NEON; NEON core RESIDENT inside ${obs.archModule} (${neonCoreLine(obs)}): it loads with the library and cannot be left out; ${neonRun(end)}`, lines, `NEON core resident in ${obs.archModule}`);
		if (!residentLine(end?.modules ?? [], moduleNames.lib)) return verdictOf('C3', 'n/a', `the library was not loaded at the end (${failedSteps(obs).join('; ') || describeProbe(end)})`, lines);
		return verdictOf('C3', works(end) ? 'holds' : 'fails', `CPU without NEON; NEON core not resident (${neonCoreLine(obs)}); ${describeProbe(end)}`, lines, unusable(obs, end));
	},
	C4(obs) {
		if (!obs.neonInCpuinfo) return verdictOf('C4', 'n/a', 'CPU has no NEON');
		const probes = obs.probes.filter(p => p.driverLoaded && residentLine(p.modules ?? [], obs.archModule!));
		if (probes.length === 0) return verdictOf('C4', 'n/a', `${obs.archModule} (with the NEON core) and the driver never loaded together`);
		if (probes.some(p => !p.kernel)) return verdictOf('C4', 'not evaluated', `kernel-side path not observed (${obs.tracing?.message ?? 'no tracing'})`);
		const bad = probes.find(p => p.kernel!.paths.join() !== 'arch-glue→neon' || !works(p));
		const what = `the NEON core loads with ${obs.archModule} itself`;
		return verdictOf('C4', bad ? 'fails' : 'holds', `${what}; ${bad ? describeProbe(bad) : probes.map(describeProbe).join('; ')}`, probes.flatMap(probeLines), bad && notNeon(obs, bad));
	},
	C5a: obs => verdictOf('C5a', 'n/a', `${noArchModule(obs)}: there is no arch module to refuse removing`),
	C5b: obs => verdictOf('C5b', 'n/a', `${noArchModule(obs)}: the NEON code can only leave with the library`),
	C7: obs => verdictOf('C7', 'n/a', `${noArchModule(obs)}: nothing can be loaded after the library`),
	C8(obs) {
		const probes = obs.probes.filter(p => p.driverLoaded && residentLine(p.modules ?? [], obs.archModule!));
		if (probes.length === 0 || !neonCoreResident(obs)) return verdictOf('C8', 'n/a', `the NEON core and the driver never loaded together (${neonCoreLine(obs)})`);
		if (probes.some(p => !p.kernel)) return verdictOf('C8', 'not evaluated', `kernel-side path not observed (${obs.tracing?.message ?? 'no tracing'})`);
		const idle = probes.find(p => !p.kernel!.paths.includes('arch-glue→neon'));
		if (!idle) return verdictOf('C8', 'holds', `NEON core resident in ${obs.archModule} and run: ${probes.map(describeProbe).join('; ')}`, probes.flatMap(probeLines));
		return verdictOf('C8', 'fails', `NEON core resident in ${obs.archModule} (${neonCoreLine(obs)}) at probe ${idle.label}, yet idle: ${describeProbe(idle)}${obs.neonInCpuinfo ? '' : ' (the CPU has no NEON: the static key stays off)'}`, probeLines(idle), 'NEON core resident but idle');
	},
};

// C6: the same configuration's arch-first and lib-first cells must end on the same path.
export const pairClaims: readonly PairClaim[] = [
	{
		id: 'C6',
		statement: 'Load order does not matter: arch-first and lib-first end with the library loaded, working, on the same (kernel-observed) path.',
		source: said('Andy Lutomirski', "Won't this"),
		scope: 'pair',
		pair: ['arch-first', 'lib-first'],
		evaluatePair(a, b, config) {
			const cells = [`${config}/arch-first`, `${config}/lib-first`];
			if (!a || !b) return {...verdictOf('C6', 'not evaluated', `${!a ? 'arch-first' : 'lib-first'} was not run in this configuration`), cells};
			if (a.status !== 'completed' || b.status !== 'completed') return {...verdictOf('C6', 'not evaluated', 'a cell of the pair errored'), cells};
			const ea = endProbe(a);
			const eb = endProbe(b);
			if (!ea?.kernel && ea?.driverLoaded) return {...verdictOf('C6', 'not evaluated', 'kernel-side path not observed in arch-first'), cells};
			if (!eb?.kernel && eb?.driverLoaded) return {...verdictOf('C6', 'not evaluated', 'kernel-side path not observed in lib-first'), cells};
			// The library module itself loaded? (mainline's API is inline in its users, so the driver can
			// work while libcurve25519.ko was refused: that is still a difference between the orders.)
			const summary = (p: PathProbe | undefined, obs: CellObservation): string => {
				const lib = obs.steps.find(s => s.label === 'insmod lib');
				const refused = lib && lib.exitCode !== 0 ? `libcurve25519 refused (${lib.errno ?? `exit ${lib.exitCode}`}), ` : '';
				return `${refused}${works(p) ? (p!.kernel!.paths.join('+') || 'none') : 'library API not working'}`;
			};
			const lines = [`arch-first: ${describeProbe(ea)}`, `lib-first: ${describeProbe(eb)}`, ...failedSteps(b).map(l => `lib-first ${l}`), ...(eb?.modules ?? []).map(l => `lib-first /proc/modules: ${l}`)];
			if (!works(ea) && !works(eb)) return {...verdictOf('C6', 'n/a', `the library works in neither order (arch-first: ${summary(ea, a)}; lib-first: ${summary(eb, b)})`), cells, lines};
			// A consolidated library: one module, so both orders ran the same steps (the arch module's are n/a).
			const oneModule = a.archModule ? ` (one module, ${a.archModule}, carries the NEON code: the two orders ran the same steps)` : '';
			if (summary(ea, a) === summary(eb, b)) return {...verdictOf('C6', 'holds', `both orders end on ${summary(ea, a)}${oneModule}`), cells, lines};
			const unused = residentLine(eb?.modules ?? [], arch) && works(eb) && !eb!.kernel!.paths.includes('arch-glue→neon');
			const evidence = unused
				? `arch module loaded but unused in lib-first (${residentLine(eb!.modules ?? [], arch)}; kernel saw ${eb!.kernel!.paths.join('+')}), arch-first ran ${summary(ea, a)}`
				: `arch-first ends on ${summary(ea, a)}, lib-first on ${summary(eb, b)}`;
			return {...verdictOf('C6', 'fails', evidence, [], unused ? 'arch module unused in lib-first' : 'the two orders end differently'), cells, lines};
		},
	},
];

// Every claim's definition, in report order (cell claims and pair claims).
export const claimDefinitions = [...cellClaims, ...pairClaims]
	.map(c => ({id: c.id, text: c.statement, source: `${c.source.who}: "${c.source.quote}"`, scope: c.scope}))
	.sort((x, y) => x.id.localeCompare(y.id, 'en', {numeric: true}));

// Evaluate every cell claim for one cell; an errored cell is "not evaluated" throughout.
export function evaluateClaims(obs: CellObservation): ClaimResult[] {
	if (obs.status !== 'completed') return cellClaims.map(c => verdictOf(c.id, 'not evaluated', `cell did not complete: ${obs.error?.message ?? 'unknown'}`));
	return cellClaims.map(c => (obs.archModule ? consolidatedClaims[c.id] ?? c.evaluate : c.evaluate)(obs));
}

// What the runner records for an observation: the observation, its claims and its stable outcome.
export function cellResult(obs: CellObservation): CellResult {
	const claims = evaluateClaims(obs);
	return {...obs, claims, outcome: cellOutcome(obs, claims)};
}

// The configuration (design/profile/cpu) a pair claim was judged on, from its first cell.
export function pairConfig(pair: ClaimResult): string {
	return (pair.cells?.[0] ?? '').split('/').slice(0, 3).join('/');
}

// The configuration (design/profile/cpu) of a cell.
export function configOf(obs: CellObservation): string {
	return configKey(obs.id);
}

// Evaluate the pair claims over whatever cells are present (a run, a shard, or merged shards). A
// configuration with neither cell of a pair yields nothing; with one, "not evaluated".
export function evaluatePairClaims(cells: readonly CellObservation[]): ClaimResult[] {
	const out: ClaimResult[] = [];
	const byKey = new Map(cells.map(c => [c.cellKey, c]));
	const configs = [...new Set(cells.map(configOf))];
	for (const claim of pairClaims) {
		for (const config of configs) {
			const [first, second] = claim.pair.map(s => byKey.get(`${config}/${s}`));
			if (!first && !second) continue;
			out.push(claim.evaluatePair(first, second, config));
		}
	}
	return out;
}
