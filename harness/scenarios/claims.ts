// The proposal's claims, evaluated per cell from observations only (holds / fails / n/a + evidence).
import type {ClaimDefinition} from '../report/schema.ts';
import {moduleNames} from '../subject/designs.ts';
import type {CellObservation, ClaimResult, PathProbe, Verdict} from './types.ts';

export const claimDefinitions: readonly ClaimDefinition[] = [
	{id: 'C1', text: 'Without the arch module, the library still loads and serves the generic path.', source: 'thread: arch code "may not be loadable on certain systems"'},
	{id: 'C2', text: 'A blacklisted arch module is not loaded, and the library still works.', source: 'thread: "or be blacklisted by the user"'},
	{id: 'C3', text: 'On a CPU without NEON the arch module is not resident, and the library still works.', source: 'thread: "does not have to stay resident in memory if the cpu is incapable of executing it"'},
	{id: 'C4', text: 'When the arch module is loaded and usable, the library uses it.', source: 'thread: "If it does get satisfied, the relocations … point to the arch routine"'},
	{id: 'C5', text: 'The arch module cannot be removed while the library uses it; after unplugging, the library falls back to generic.', source: 'issue: unplugging; thread: "[un]plugged at runtime"'},
	{id: 'C6', text: 'Load order does not matter: the library loads and works whether it or the arch module is loaded first.', source: 'thread: "what happens when the modules load in the opposite order"'},
	{id: 'C7', text: 'The reference is bound only when the library loads: an arch module loaded later is not used ("It either gets satisfied at module load time, or it doesn\'t").', source: 'thread (Ard Biesheuvel)'},
];

const blacklistScenarios = new Set(['blacklist-modprobe-d', 'blacklist-install', 'blacklist-cmdline-modprobe', 'blacklist-cmdline-kernel']);
const archLoadingScenarios = new Set(['arch-first', 'lib-first', 'modprobe', 'rmmod', ...blacklistScenarios]);

function loaded(obs: CellObservation, name: string): boolean {
	return obs.modulesAtEnd.some(m => m.name === name);
}

// "The library works": its API answers correctly through the driver (mainline's API is inline in the
// caller, so libcurve25519.ko itself need not be loaded; in the weak design the driver depends on it).
function works(probe: PathProbe | undefined): boolean {
	return Boolean(probe && probe.driverLoaded && probe.apiTotal > 0 && probe.apiPassed === probe.apiTotal);
}

function describeProbe(probe: PathProbe | undefined): string {
	if (!probe) return 'no probe';
	if (!probe.driverLoaded) return 'driver not loaded (library API unreachable)';
	return `api path ${probe.apiPaths.join('+') || 'none'}, vectors ${probe.apiPassed}/${probe.apiTotal}`;
}

function failedSteps(obs: CellObservation): string {
	const failed = obs.steps.filter(s => s.exitCode !== 0);
	return failed.length ? `; failed: ${failed.map(s => `${s.label} (${s.errno ?? `exit ${s.exitCode}`})`).join(', ')}` : '';
}

const result = (claim: string, verdict: Verdict, evidence: string): ClaimResult => ({claim, verdict, evidence});

// Evaluate every claim for one completed cell.
export function evaluateClaims(obs: CellObservation): ClaimResult[] {
	const {scenario} = obs.id;
	const end = obs.probes.find(p => p.label === 'end');
	const archLoaded = loaded(obs, moduleNames.arch);
	const libLoaded = loaded(obs, moduleNames.lib);
	const neon = obs.neonInCpuinfo;
	const out: ClaimResult[] = [];
	if (obs.status !== 'completed') return claimDefinitions.map(c => result(c.id, 'n/a', `cell did not complete: ${obs.error?.message ?? 'unknown'}`));

	// C1: the arch module is absent (not in the image) or gone after unplugging.
	if (scenario === 'no-arch' || scenario === 'rmmod') {
		const generic = end?.apiPaths.length === 1 && end.apiPaths[0] === 'generic';
		const ok = !archLoaded && works(end) && generic;
		out.push(result('C1', ok ? 'holds' : 'fails', `${scenario === 'no-arch' ? 'arch module not in image' : 'arch module unloaded'}; libcurve25519.ko ${libLoaded ? 'loaded' : 'not loaded'}; ${describeProbe(end)}${failedSteps(obs)}`));
	} else out.push(result('C1', 'n/a', 'the arch module is available in this scenario'));

	// C2: blacklisting.
	if (blacklistScenarios.has(scenario)) {
		const ok = !archLoaded && works(end);
		out.push(result('C2', ok ? 'holds' : 'fails', `arch module ${archLoaded ? 'LOADED despite blacklist' : 'not loaded'}; libcurve25519.ko ${libLoaded ? 'loaded' : 'not loaded'}; ${describeProbe(end)}${failedSteps(obs)}`));
	} else out.push(result('C2', 'n/a', 'no blacklisting in this scenario'));

	// C3: CPU without NEON, in scenarios that try to load the arch module.
	if (!neon && archLoadingScenarios.has(scenario)) {
		const ok = !archLoaded && works(end);
		out.push(result('C3', ok ? 'holds' : 'fails', `CPU without NEON; arch module ${archLoaded ? `RESIDENT (${obs.modulesAtEnd.find(m => m.name === moduleNames.arch)?.size ?? '?'} bytes)` : 'not resident'}; libcurve25519.ko ${libLoaded ? 'loaded' : 'not loaded'}; ${describeProbe(end)}${failedSteps(obs)}`));
	} else out.push(result('C3', 'n/a', neon ? 'CPU has NEON' : 'scenario does not load the arch module'));

	// C4: arch loaded and usable (NEON) at the time of the end probe.
	if (neon && archLoaded && end?.driverLoaded) {
		const viaArch = end.apiPaths.includes('arch') || end.apiPaths.includes('arch-entry');
		const ok = viaArch && works(end);
		const note = end.apiPaths.includes('arch-entry') ? ' (mainline: calls enter curve25519_arch by a strong reference; NEON-vs-fallback inside it is not observable)' : '';
		out.push(result('C4', ok ? 'holds' : 'fails', `arch module loaded on a NEON CPU; ${describeProbe(end)}${note}`));
	} else out.push(result('C4', 'n/a', !neon ? 'CPU has no NEON' : !archLoaded ? 'arch module not loaded at the end' : 'driver not loaded'));

	// C5: unplugging.
	if (scenario === 'rmmod') {
		const removeWhileUsed = obs.steps.find(s => s.label === `rmmod arch`);
		const plugged = obs.probes.find(p => p.label === 'plugged');
		const archWasLoaded = obs.steps.some(s => s.label === 'insmod arch' && s.exitCode === 0);
		if (!archWasLoaded) out.push(result('C5', 'n/a', `arch module never loaded${failedSteps(obs)}`));
		else {
			const refused = removeWhileUsed !== undefined && removeWhileUsed.exitCode !== 0;
			const libUsedArch = Boolean(plugged?.apiPaths.some(p => p === 'arch' || p === 'arch-entry'));
			const fellBack = !archLoaded && works(end) && end?.apiPaths.join() === 'generic';
			const ok = refused && fellBack;
			out.push(result('C5', ok ? 'holds' : 'fails', `rmmod arch while in use: ${refused ? `refused (${removeWhileUsed?.errno ?? 'error'})` : 'SUCCEEDED'}${libUsedArch ? '' : ' (library was not using arch)'}; after unplug: libcurve25519.ko ${libLoaded ? 'loaded' : 'not loaded'}, ${describeProbe(end)}`));
		}
	} else out.push(result('C5', 'n/a', 'no unplugging in this scenario'));

	// C6: both load orders work.
	if (scenario === 'arch-first' || scenario === 'lib-first') {
		const ok = libLoaded && works(end);
		out.push(result('C6', ok ? 'holds' : 'fails', `libcurve25519.ko ${libLoaded ? 'loaded' : 'not loaded'}; ${describeProbe(end)}${failedSteps(obs)}`));
	} else out.push(result('C6', 'n/a', 'load order not varied'));

	// C7: lib first, arch later (and usable): the library must not use it.
	if (scenario === 'lib-first' && archLoaded && neon && libLoaded && end?.driverLoaded) {
		const usesArch = end.apiPaths.some(p => p === 'arch' || p === 'arch-entry');
		out.push(result('C7', usesArch ? 'fails' : 'holds', `arch module loaded after the library; ${describeProbe(end)}`));
	} else out.push(result('C7', 'n/a', scenario === 'lib-first' ? 'library or arch module not both loaded on a NEON CPU' : 'library not loaded before the arch module'));
	return out;
}
