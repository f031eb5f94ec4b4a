import test from 'ava';
import {cellClaims, claimDefinitions, evaluateClaims, evaluatePairClaims, timeline} from '../../../harness/scenarios/claims.ts';
import type {CellObservation, PathProbe, StepResult, Verdict} from '../../../harness/scenarios/types.ts';
import {cell, endProbe, errorCell, fixtureCells, fixtureKeys as k, relabel} from './_cells.ts';

// One claim's verdict (and evidence) for an observation.
const verdict = test.macro<[() => CellObservation, string, Verdict, RegExp?]>({
	exec(t, build, claim, expected, evidence) {
		const found = evaluateClaims(build()).find(r => r.claim === claim);
		t.truthy(found, `no result for ${claim}`);
		t.is(found?.verdict, expected, found?.evidence);
		if (evidence) t.regex(found?.evidence ?? '', evidence);
	},
	title: (provided = '', _build, claim, expected) => `${claim} ${expected}: ${provided}`,
});

function step(obs: CellObservation, label: string): StepResult {
	const found = obs.steps.find(s => s.label === label);
	if (!found) throw new Error(`${obs.cellKey}: no step ${label}`);
	return found;
}

function probe(obs: CellObservation, label: string): PathProbe {
	const found = obs.probes.find(p => p.label === label);
	if (!found) throw new Error(`${obs.cellKey}: no probe ${label}`);
	return found;
}

const withoutArch = (lines: string[] | undefined): string[] => (lines ?? []).filter(l => !l.startsWith('curve25519_neon '));

// C1: the library without the arch module.
test('weak no-arch: generic, kernel-observed', verdict, () => cell(k.weakNoArch), 'C1', 'holds', /^arch module not in the image; probe end: module says generic, kernel saw generic, vectors 4\/4$/);
test('mainline no-arch: library and driver refused', verdict, () => cell(k.mainlineNoArch), 'C1', 'fails', /driver not loaded/);
test('weak no-arch where the kernel saw the NEON core', verdict, () => cell(k.weakNoArch, obs => {
	endProbe(obs).kernel!.paths = ['arch-glue→neon'];
}), 'C1', 'fails');
test('weak no-arch with a failing vector', verdict, () => cell(k.weakNoArch, obs => Object.assign(endProbe(obs), {apiPassed: 3})), 'C1', 'fails', /vectors 3\/4/);
test('weak rmmod: arch removed, library and driver loaded again, generic', verdict, () => cell(k.weakRmmod), 'C1', 'holds', /^arch module removed/);
test('lib-first has the arch module', verdict, () => cell(k.weakLibFirst), 'C1', 'n/a');

// C2: blacklisting, judged after every step.
test('blacklist-modprobe-d: loaded as a dependency of the driver', verdict, () => cell(k.weakBlacklist), 'C2', 'fails', /^arch module LOADED despite the blacklist, after `modprobe driver` \(kmod\)$/);
test('blacklist honoured at every moment, generic works', verdict, () => cell(k.weakBlacklist, obs => {
	for (const s of obs.steps) s.modulesAfter = withoutArch(s.modulesAfter);
	for (const p of obs.probes) p.modules = withoutArch(p.modules);
}), 'C2', 'holds', /^arch module never loaded; /);
test('alias-blacklist: the alias lookup honours it, the dependency does not', verdict, () => cell(k.weakAliasBlacklist), 'C2', 'fails', /after `modprobe driver`/);
test('blacklist kept the arch module out but the library does not work: the evidence names the failed step', verdict, () => cell('weak/thumb2/noneon/blacklist-modprobe-d'), 'C2', 'fails', /^arch module never loaded; probe end: driver not loaded \(library API unreachable\); modprobe driver \[kmod\]: ENODEV/);
test('no-arch is not a blacklist scenario', verdict, () => cell(k.weakNoArch), 'C2', 'n/a', /no blacklisting/);

// C3: no NEON, judged right after each load attempt and at each probe.
test('mainline arch-first without NEON: resident right after insmod arch', verdict, () => cell(k.mainlineNoneonArchFirst), 'C3', 'fails', /^CPU without NEON; arch module RESIDENT after `insmod arch` \(kmod\) \(curve25519_neon refs=0\)$/);
test('weak arch-first without NEON: refused, generic works', verdict, () => cell(k.weakNoneonArchFirst), 'C3', 'holds', /not resident at any of \d+ moments/);
// Residency in the middle of a scenario counts even when the end looks clean.
test('resident only in the middle (after insmod arch), gone at the end: fails naming the moment', verdict, () => cell(k.weakNoneonArchFirst, obs => {
	const arch = step(obs, 'insmod arch');
	Object.assign(arch, {exitCode: 0, errno: undefined, modulesAfter: ['curve25519_neon refs=0', ...(arch.modulesAfter ?? [])]});
}), 'C3', 'fails', /RESIDENT after `insmod arch` \(kmod\)/);
test('a NEON CPU', verdict, () => cell(k.weakBlacklist), 'C3', 'n/a', /CPU has NEON/);

// C4: arch loaded before the library on NEON: the kernel saw the NEON core run.
test('weak arch-first: NEON core entered', verdict, () => cell(k.weakArchFirst), 'C4', 'holds', /kernel saw arch-glue→neon/);
test('weak arch-first where the kernel saw only generic', verdict, () => cell(k.weakArchFirst, obs => {
	Object.assign(endProbe(obs).kernel!, {paths: ['generic'], counts: {neon: 0, generic: 4, arch: 0}});
}), 'C4', 'fails', /kernel saw generic/);
test('without kernel evidence the claim is not evaluated, never guessed from the module', verdict, () => cell(k.weakArchFirst, obs => {
	delete endProbe(obs).kernel;
}), 'C4', 'not evaluated', /kernel-side path not observed/);
test('lib-first is C7 and C8 territory', verdict, () => cell(k.weakLibFirst), 'C4', 'n/a');

// C5a / C5b: refused while bound (by whom), and runtime unplug.
test('rmmod: refused by kmod (EBUSY) and by the kernel (EAGAIN)', verdict, () => cell(k.weakRmmod), 'C5a', 'holds', /^refused by kmod rmmod: EBUSY; the kernel \(delete_module\): EAGAIN$/);
test('rmmod where the kernel let it go while in use', verdict, () => cell(k.weakRmmod, obs => {
	Object.assign(step(obs, 'delete_module arch'), {exitCode: 0, errno: undefined, message: 'delete_module: ok'});
}), 'C5a', 'fails', /removal SUCCEEDED while in use: delete_module arch \[kernel\]: ok/);
test('weak runtime-unplug: the kernel refuses, so no runtime unplug', verdict, () => cell(k.weakRuntimeUnplug), 'C5b', 'fails', /^cannot unplug at runtime: the kernel refused delete_module\(curve25519_neon, O_NONBLOCK\) with EAGAIN \(curve25519_neon refs=1 by libcurve25519\)$/);
test('mainline runtime-unplug: refused too', verdict, () => cell(k.mainlineRuntimeUnplug), 'C5b', 'fails', /EAGAIN/);
test('runtime unplug that worked: removed, calls continue on generic', verdict, () => cell(k.weakRuntimeUnplug, obs => {
	const unplug = step(obs, 'delete_module arch');
	Object.assign(unplug, {exitCode: 0, errno: undefined, message: 'delete_module: ok', modulesAfter: withoutArch(unplug.modulesAfter)});
	const after = probe(obs, 'after-unplug');
	Object.assign(after, {modules: withoutArch(after.modules), apiPaths: ['generic']});
	Object.assign(after.kernel!, {paths: ['generic'], counts: {neon: 0, generic: 4, arch: 0}});
}), 'C5b', 'holds', /removed at runtime; probe after-unplug: module says generic, kernel saw generic/);
test('runtime unplug that removed the module but broke the library', verdict, () => cell(k.weakRuntimeUnplug, obs => {
	Object.assign(step(obs, 'delete_module arch'), {exitCode: 0, errno: undefined, message: 'delete_module: ok'});
	Object.assign(probe(obs, 'after-unplug'), {modules: [], apiPassed: 0});
}), 'C5b', 'fails');
test('runtime-unplug without NEON: the arch module never loaded (weak: modprobe fails on the dependency)', verdict, () => cell(k.weakNoneonRuntimeUnplug), 'C5b', 'n/a', /not both loaded \(modprobe driver \[kmod\]: ENODEV/);
test('no unplugging outside rmmod and runtime-unplug', verdict, () => cell(k.weakLibFirst), 'C5a', 'n/a');

// C7 and C8.
test('weak lib-first: the later arch module is not used', verdict, () => cell(k.weakLibFirst), 'C7', 'holds', /^arch module loaded after the library; probe end: module says generic, kernel saw generic/);
test('weak lib-first where the kernel saw the NEON core', verdict, () => cell(k.weakLibFirst, obs => {
	Object.assign(endProbe(obs), {apiPaths: ['arch']});
	Object.assign(endProbe(obs).kernel!, {paths: ['arch-glue→neon']});
}), 'C7', 'fails');
test('weak lib-first: loaded but unused', verdict, () => cell(k.weakLibFirst), 'C8', 'fails', /^curve25519_neon refs=0 at probe end, yet arch module loaded but unused/);
test('mainline without NEON: loaded, its glue falls back to generic', verdict, () => cell(k.mainlineNoneonArchFirst), 'C8', 'fails', /its glue fell back to curve25519_generic/);
test('weak arch-first: whenever loaded, used', verdict, () => cell(k.weakArchFirst), 'C8', 'holds');

// The rival designs, on their recorded observations.
test('softdep runtime-unplug: removed with the library and its user loaded, calls continue on generic', verdict, () => cell(k.softdepRuntimeUnplug), 'C5b', 'holds', /^arch module removed at runtime; probe after-unplug: module says generic, kernel saw generic, vectors 4\/4$/);
test('softdep rmmod: the library does not pin the arch module, so "refused while bound" does not apply', verdict, () => cell(k.softdepRmmod), 'C5a', 'n/a', /^the library does not pin the arch module/);
test('softdep lib-first: an arch module loaded after the library is used (per-call lookup)', verdict, () => cell(k.softdepLibFirst), 'C7', 'fails', /kernel saw arch-glue→neon/);
test('softdep on a CPU without NEON: modprobe survives the failed softdep, the library works', verdict, () => cell(k.softdepNoneonModprobe), 'C3', 'holds');
test('softdep: load order does not matter', t => {
	t.deepEqual(evaluatePairClaims([cell(k.softdepArchFirst), cell(k.softdepLibFirst)]).map(p => [p.verdict, p.evidence]), [['holds', 'both orders end on arch-glue→neon']]);
});
test('static-call: load order matters the other way round (the arch module needs the library)', t => {
	const [pair] = evaluatePairClaims([cell(k.staticCallArchFirst), cell(k.staticCallLibFirst)]);
	t.is(pair?.verdict, 'fails');
	t.is(pair?.evidence, 'arch-first ends on generic, lib-first on arch-glue→neon');
	t.is(step(cell(k.staticCallArchFirst), 'insmod arch').errno, 'ENOENT');
});

// C5b under load: the timing-free facts decide (wrong results, console events, the removal once the caller has
// stopped); how many removals went through while calls were in flight is evidence only.
test('weak under load: removal refused even with the caller stopped (the library pins the arch module)', verdict, () => cell(k.weakUnderLoad), 'C5b', 'fails', /^removal refused even with the caller stopped \(rmmod: ERROR: Module curve25519_neon is in use by: libcurve25519\); under load \d+× refused: rmmod: ERROR: Module curve25519_neon is in use by: libcurve25519 \(\d+ iterations: 0 removals allowed/);
test('softdep under load: removed once the caller stopped, then calls right on generic without it', verdict, () => cell(k.softdepUnderLoad), 'C5b', 'holds', /^removed with the caller stopped, then [1-9]\d* calls without it, every one right; kernel saw NEON core 0×, generic [1-9]\d*×; under load every result right \(\d+ iterations: \d+ removals allowed, \d+ refused, \d+ inserts; caller ran across \d+; \d+ calls, 0 wrong; kernel saw NEON core \d+×, generic \d+×\)/);
// "Calls continue on the generic path" is judged on calls made with the arch module absent, not on the loop alone.
test('under load, removed once the caller stopped but no run after it: not evaluated', verdict, () => cell(k.softdepUnderLoad, obs => {
	delete step(obs, 'unplug arch under load').load!.afterRemoval;
}), 'C5b', 'not evaluated', /^removed with the caller stopped, but no call ran without the arch module \(no run after the removal\)/);
test('under load, removed once the caller stopped, but the caller made no call after it: not evaluated', verdict, () => cell(k.softdepUnderLoad, obs => {
	step(obs, 'unplug arch under load').load!.afterRemoval!.calls = 0;
}), 'C5b', 'not evaluated', /but no call ran without the arch module \(after the removal: 0 calls/);
test('under load, removed once the caller stopped, then a wrong result without it: fails', verdict, () => cell(k.softdepUnderLoad, obs => {
	step(obs, 'unplug arch under load').load!.afterRemoval!.wrong = 3;
}), 'C5b', 'fails', /^removed with the caller stopped, then 3 of \d+ calls without it wrong/);
// Seen in 1 of 20 repeats: softdep's per-call symbol_get() raced the removal (BUG in strong_try_module_get), the BUG
// killed the caller thread and the step failed. What the console showed while the loop ran is the answer.
test('under load, a BUG/Oops on the console while the loop ran fails C5b even when the step failed with it', verdict, () => cell(k.softdepUnderLoad, obs => {
	const s = step(obs, 'unplug arch under load');
	s.exitCode = -1;
	s.consoleEvents = ['bug: kernel BUG at kernel/module/main.c:150!', 'oops: Internal error: Oops - BUG: 0 [#1] SMP THUMB2'];
	s.load!.idle = 'unknown';
}), 'C5b', 'fails', /^unplugging under load is unsafe: 0 wrong results, console bug,oops, .*exit -1/);
test('under load, a failed step without console events or wrong results: not evaluated', verdict, () => cell(k.softdepUnderLoad, obs => {
	step(obs, 'unplug arch under load').exitCode = 1;
}), 'C5b', 'not evaluated', /^the loop did not run/);
test('under load, removed once the caller stopped, yet the kernel saw NEON code after it: fails', verdict, () => cell(k.softdepUnderLoad, obs => {
	step(obs, 'unplug arch under load').load!.afterRemoval!.kernel!.counts.neon = 7;
}), 'C5b', 'fails', /yet NEON code ran 7× after the removal/);
test('under load, removed once the caller stopped, calls after it but no generic entry seen: not evaluated', verdict, () => cell(k.softdepUnderLoad, obs => {
	step(obs, 'unplug arch under load').load!.afterRemoval!.kernel!.counts.generic = 0;
}), 'C5b', 'not evaluated', /the kernel saw no generic entry/);
test('softdep under load with every in-flight removal refused: still holds, and says why they were refused', verdict, () => cell(k.softdepUnderLoad, obs => {
	const load = step(obs, 'unplug arch under load').load!;
	load.refusals = {'refused: rmmod: ERROR: Module curve25519_neon is in use': load.iterations};
	load.removeRefused = load.iterations;
	load.removed = 0;
}), 'C5b', 'holds', /; under load every removal was refused while a call was in flight \(\d+× refused: rmmod: ERROR: Module curve25519_neon is in use\)$/);
test('softdep under load, but the removal with the caller stopped was refused: fails', verdict, () => cell(k.softdepUnderLoad, obs => {
	const load = step(obs, 'unplug arch under load').load!;
	load.idle = 'refused';
	load.refusals = {...load.refusals, 'idle-refused: rmmod: ERROR: Module curve25519_neon is in use': 1};
}), 'C5b', 'fails', /^removal refused even with the caller stopped \(rmmod: ERROR: Module curve25519_neon is in use\)/);
test('under load with no removal and no idle answer: not evaluated, never holds', verdict, () => cell(k.staticCallUnderLoad, obs => {
	const load = step(obs, 'unplug arch under load').load!;
	load.idle = 'unknown';
	load.removed = 0;
}), 'C5b', 'not evaluated', /^no removal under load and the arch module was not tried once the caller stopped/);
test('static-call under load with one wrong result: unsafe', verdict, () => cell(k.staticCallUnderLoad, obs => {
	step(obs, 'unplug arch under load').load!.wrong = 1;
}), 'C5b', 'fails', /^unplugging under load is unsafe: 1 wrong results/);
test('static-call under load with an Oops on the console: unsafe', verdict, () => cell(k.staticCallUnderLoad, obs => {
	step(obs, 'unplug arch under load').consoleEvents = ['oops: Internal error: Oops: 80000005 [#1] THUMB2'];
}), 'C5b', 'fails', /console oops/);
test('under load but the caller was never seen running across a transition: not evaluated', verdict, () => cell(k.softdepUnderLoad, obs => {
	step(obs, 'unplug arch under load').load!.callerRanAcross = 0;
}), 'C5b', 'not evaluated', /never seen running/);

// C6: a claim over a pair of cells.
test('C6 fails for weak on NEON: lib-first leaves the arch module loaded but unused', t => {
	const pairs = evaluatePairClaims([cell(k.weakArchFirst), cell(k.weakLibFirst)]);
	t.is(pairs.length, 1);
	t.is(pairs[0]?.verdict, 'fails');
	t.deepEqual(pairs[0]?.cells, [k.weakArchFirst, k.weakLibFirst]);
	t.regex(pairs[0]?.evidence ?? '', /^arch module loaded but unused in lib-first \(curve25519_neon refs=0; kernel saw generic\), arch-first ran arch-glue→neon$/);
	t.true((pairs[0]?.lines ?? []).some(l => l.startsWith('lib-first /proc/modules: curve25519_neon')));
});

test('C6 holds without NEON: both orders end on generic', t => {
	const pairs = evaluatePairClaims([cell(k.weakNoneonArchFirst), cell(k.weakNoneonLibFirst)]);
	t.deepEqual(pairs.map(p => [p.verdict, p.evidence]), [['holds', 'both orders end on generic']]);
});

test('C6 is "not evaluated" when a filter or shard leaves one of the pair out, and evaluated again over merged cells', t => {
	const shard1 = [cell(k.weakArchFirst)];
	const shard2 = [cell(k.weakLibFirst)];
	t.deepEqual(evaluatePairClaims(shard1).map(p => p.verdict), ['not evaluated']);
	t.regex(evaluatePairClaims(shard1)[0]?.evidence ?? '', /lib-first was not run/);
	t.deepEqual(evaluatePairClaims(shard2).map(p => p.verdict), ['not evaluated']);
	t.deepEqual(evaluatePairClaims([...shard1, ...shard2]).map(p => p.verdict), ['fails']);
	t.deepEqual(evaluatePairClaims([cell(k.weakNoArch)]), [], 'no pair cell at all: nothing');
	t.deepEqual(evaluatePairClaims([errorCell(k.weakArchFirst), cell(k.weakLibFirst)]).map(p => p.verdict), ['not evaluated']);
});

test('an error cell: every cell claim "not evaluated", with the error message as evidence', t => {
	const results = evaluateClaims(errorCell());
	t.deepEqual(results.map(r => r.claim), cellClaims.map(c => c.id));
	t.true(results.every(r => r.verdict === 'not evaluated' && r.evidence === 'cell did not complete: no ready line from the guest agent within 120000 ms'));
});

test('every cell claim appears once per cell, in definition order, with evidence and a known verdict', t => {
	for (const obs of fixtureCells()) {
		const results = evaluateClaims(obs);
		t.deepEqual(results.map(r => r.claim), cellClaims.map(c => c.id), obs.cellKey);
		for (const r of results) {
			t.true(['holds', 'fails', 'n/a', 'not evaluated'].includes(r.verdict), `${obs.cellKey} ${r.claim}`);
			t.true(r.evidence.length > 0, `${obs.cellKey} ${r.claim}`);
			if (r.verdict === 'holds' || r.verdict === 'fails') t.true((r.lines ?? []).length > 0, `${obs.cellKey} ${r.claim}: raw lines`);
		}
	}
	t.deepEqual(claimDefinitions.map(c => c.id), ['C1', 'C2', 'C3', 'C4', 'C5a', 'C5b', 'C6', 'C7', 'C8']);
});

test('the timeline interleaves steps and probes in scenario order', t => {
	t.deepEqual(timeline(cell(k.weakRuntimeUnplug)).map(m => m.name), [
		'after `modprobe driver` (kmod)', 'at probe plugged', 'after `delete_module arch` (kernel)', 'at probe after-unplug', 'at probe end',
	]);
	t.deepEqual(timeline(cell(k.weakRmmod)).map(m => m.name).slice(4, 7), ['at probe plugged', 'after `rmmod arch` (kmod)', 'after `delete_module arch` (kernel)']);
});

test('evaluateClaims does not mutate the observation', t => {
	const obs = cell(k.weakRmmod);
	const before = JSON.stringify(obs);
	evaluateClaims(obs);
	evaluatePairClaims([obs]);
	t.is(JSON.stringify(obs), before);
});

test('relabel keeps id and key consistent', t => {
	const obs = cell(k.weakNoArch);
	relabel(obs, {cpu: 'noneon'});
	t.is(obs.cellKey, 'weak/thumb2/noneon/no-arch');
});
