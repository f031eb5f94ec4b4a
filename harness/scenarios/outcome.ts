// A cell's stable outcome: what baselines and flake checks compare (no timings, no addresses).
import {moduleLine} from './module-line.ts';
import type {CellObservation, ClaimResult} from './types.ts';

// The kernel's taint letters by bit (kernel/panic.c taint_flags), for the /proc/sys/kernel/tainted value.
const TAINT_LETTERS = 'PFSRMBUDAWCIOELKXT';
const OUT_OF_TREE = TAINT_LETTERS.indexOf('O');

// Taint flags as letters, without O (every cell loads out-of-tree modules: kplug's own driver).
export function taintLetters(value: string): string {
	const n = Number(value.trim() || '0');
	if (!Number.isSafeInteger(n) || n < 0) return `unreadable (${value})`;
	let letters = '';
	for (let bit = 0; bit < TAINT_LETTERS.length; bit++) if (bit !== OUT_OF_TREE && n & (1 << bit)) letters += TAINT_LETTERS[bit];
	return letters || 'none';
}

// Console event kinds a step printed (WARN, Oops, BUG, panic), from "kind: line" entries (the outcome and C5b).
export function eventKinds(events: readonly string[]): string[] {
	return [...new Set(events.map(e => e.split(':')[0]!).filter(k => k !== 'call-trace'))].sort();
}

// The outcome record of a cell (JSON-stable, reviewable in the baseline file).
export function cellOutcome(obs: CellObservation, claims: readonly ClaimResult[]): Record<string, unknown> {
	if (obs.status !== 'completed') return {status: obs.status, error: obs.error?.class};
	return {
		status: obs.status,
		steps: obs.steps.map(s => {
			const kinds = eventKinds(s.consoleEvents);
			// Under load only the timing-free facts: the removal once the caller stopped, was any result wrong.
			// (How many removals went through while calls were in flight depends on timing: report only.)
			const after = s.load?.afterRemoval;
			const afterLine = after ? `, then ${after.calls === 0 ? 'no call' : after.wrong > 0 ? 'WRONG calls' : 'calls right'} without it${after.kernel ? ` (kernel: ${after.kernel.paths.join('+') || 'none'})` : ''}` : '';
			const load = s.load ? ` (removal with the caller stopped: ${s.load.idle}${afterLine}, ${s.load.wrong > 0 ? 'WRONG results' : 'results right'})` : '';
			if (s.skipped) return `${s.label}: n/a (${s.skipped})`;
			return `${s.label} [${s.tool}]: ${s.exitCode === 0 ? 'ok' : `${s.errno ?? 'error'} (exit ${s.exitCode})`}${load}${kinds.length ? ` + console ${kinds.join(',')}` : ''}`;
		}),
		loaded: obs.modulesAtEnd.map(moduleLine).sort(),
		kallsymsArch: obs.kallsymsArch.present ? `present in ${obs.kallsymsArch.owner}` : 'absent',
		// A design whose arch code is inside another module: where the NEON core is at the end (the C3 evidence).
		...(obs.archModule ? {archModule: obs.archModule, kallsymsNeon: obs.kallsymsNeon?.present ? `present in ${obs.kallsymsNeon.owner}` : 'absent'} : {}),
		probes: obs.probes.map(p => `${p.label}: ${p.driverLoaded ? `resolved=${String(p.archResolved)} module=${p.apiPaths.join('+')} kernel=${p.kernel ? p.kernel.paths.join('+') || 'none' : 'unobserved'} ${p.apiPassed}/${p.apiTotal} generic ${p.genericPassed}/${p.genericTotal}` : 'driver not loaded'}`),
		tainted: taintLetters(obs.tainted),
		claims: Object.fromEntries(claims.map(c => [c.claim, c.verdict])),
	};
}

// Items of `a` (as JSON) not matched one-for-one in `b`: a multiset difference, so repeats count.
function multisetMinus(a: readonly unknown[], b: readonly unknown[]): string[] {
	const left = b.map(x => JSON.stringify(x));
	const out: string[] = [];
	for (const item of a.map(x => JSON.stringify(x))) {
		const index = left.indexOf(item);
		if (index >= 0) left.splice(index, 1);
		else out.push(item);
	}
	return out;
}

// Readable diff lines between two outcomes ("- key: old" / "+ key: new").
export function diffOutcome(baseline: Record<string, unknown> | undefined, observed: Record<string, unknown>): string[] {
	if (!baseline) return ['+ (new cell, not in baseline)', ...Object.entries(observed).map(([k, v]) => `+ ${k}: ${JSON.stringify(v)}`)];
	const lines: string[] = [];
	for (const key of [...new Set([...Object.keys(baseline), ...Object.keys(observed)])]) {
		const a = JSON.stringify(baseline[key]);
		const b = JSON.stringify(observed[key]);
		if (a === b) continue;
		const av = baseline[key];
		const bv = observed[key];
		const [removed, added] = Array.isArray(av) && Array.isArray(bv) ? [multisetMinus(av, bv), multisetMinus(bv, av)] : [[], []];
		if (removed.length + added.length > 0) {
			lines.push(...removed.map(item => `- ${key}: ${item}`), ...added.map(item => `+ ${key}: ${item}`));
		} else {
			if (a !== undefined) lines.push(`- ${key}: ${a}`);
			if (b !== undefined) lines.push(`+ ${key}: ${b}`);
		}
	}
	return lines;
}
