import test from 'ava';
import {claimDefinitions, evaluateClaims} from '../../../harness/scenarios/claims.ts';
import {scenarios} from '../../../harness/scenarios/registry.ts';
import type {CellObservation, Verdict} from '../../../harness/scenarios/types.ts';
import {moduleNames} from '../../../harness/subject/designs.ts';
import {cell, endProbe, errorCell, fixtureCells, fixtureKeys as k, relabel} from './_cells.ts';

const claimIds = claimDefinitions.map(c => c.id);

// One claim's verdict (and evidence) for an observation.
const verdict = test.macro<[() => CellObservation, string, Verdict, RegExp?]>({
	exec(t, build, claim, expected, evidence) {
		const results = evaluateClaims(build());
		const found = results.find(r => r.claim === claim);
		t.truthy(found, `no result for ${claim}`);
		t.is(found?.verdict, expected, found?.evidence);
		if (evidence) t.regex(found?.evidence ?? '', evidence);
	},
	title: (provided = '', _build, claim, expected) => `${claim} ${expected}: ${provided}`,
});

// A weak-design cell on a NEON CPU where the end probe went through `paths`.
const weakBlacklistVia = (paths: string[]) => () =>
	cell(k.weakBlacklist, obs => {
		endProbe(obs).apiPaths = paths;
	});

// Blacklisting that worked: the arch module stayed out and the driver answered through generic.
const blacklistRespected = () =>
	cell(k.weakBlacklist, obs => {
		obs.modulesAtEnd = obs.modulesAtEnd.filter(m => m.name !== moduleNames.arch);
		obs.kallsymsArch = {present: false, owner: undefined};
		Object.assign(endProbe(obs), {archResolved: false, apiPaths: ['generic']});
	});

// The weak rmmod cell, but the first `rmmod arch` (while the library used it) succeeded.
const rmmodSucceededWhileUsed = () =>
	cell(k.weakRmmod, obs => {
		const first = obs.steps.find(s => s.label === 'rmmod arch');
		if (!first) throw new Error('fixture has no rmmod arch step');
		Object.assign(first, {exitCode: 0, errno: undefined, message: ''});
	});

// Weak lib-first, but the later-loaded arch module served the calls (binding was not load-time only).
const libFirstUsesArch = () =>
	cell(k.weakLibFirst, obs => {
		Object.assign(endProbe(obs), {archResolved: true, apiPaths: ['arch']});
	});

// C1: the library without the arch module.
test('weak no-arch: library loaded, generic 4/4', verdict, () => cell(k.weakNoArch), 'C1', 'holds', /^arch module not in image; libcurve25519\.ko loaded; api path generic, vectors 4\/4$/);
test('mainline no-arch: lib insmod ENOENT, no driver', verdict, () => cell(k.mainlineNoArch), 'C1', 'fails', /libcurve25519\.ko not loaded; driver not loaded \(library API unreachable\); failed: insmod lib \(ENOENT\), insmod driver \(ENOENT\)/);
test('weak no-arch with no vectors run counts as not working', verdict, () => cell(k.weakNoArch, obs => Object.assign(endProbe(obs), {apiPassed: 0, apiTotal: 0})), 'C1', 'fails', /vectors 0\/0/);
test('weak no-arch with a failing vector', verdict, () => cell(k.weakNoArch, obs => Object.assign(endProbe(obs), {apiPassed: 3})), 'C1', 'fails', /vectors 3\/4/);
test('weak no-arch answering through something other than generic', verdict, () => cell(k.weakNoArch, obs => Object.assign(endProbe(obs), {apiPaths: ['generic', 'arch']})), 'C1', 'fails', /api path generic\+arch/);
test('weak rmmod: generic after unplugging', verdict, () => cell(k.weakRmmod), 'C1', 'holds', /^arch module unloaded; .*failed: rmmod arch \(EBUSY\)$/);
test('weak rmmod where the arch module is still loaded at the end', verdict, () => cell(k.weakRmmod, obs => obs.modulesAtEnd.push({name: moduleNames.arch, size: 9212, refcount: 0, holders: []})), 'C1', 'fails');
test('lib-first has the arch module', verdict, () => cell(k.weakLibFirst), 'C1', 'n/a');

// C2: blacklisting.
test('blacklist-modprobe-d with the arch module loaded at the end', verdict, () => cell(k.weakBlacklist), 'C2', 'fails', /^arch module LOADED despite blacklist; libcurve25519\.ko loaded; api path arch, vectors 4\/4$/);
test('blacklist-modprobe-d honoured, generic path', verdict, blacklistRespected, 'C2', 'holds', /^arch module not loaded; /);
test('blacklist honoured but the driver could not load', verdict, () => cell(k.weakBlacklist, obs => {
	obs.modulesAtEnd = obs.modulesAtEnd.filter(m => m.name === 'libcurve25519_generic');
	obs.steps = [{label: 'modprobe driver', argv: ['modprobe', 'kplug_x25519'], exitCode: 1, errno: 'EPERM', message: "modprobe: ERROR: could not insert 'kplug_x25519': Operation not permitted", kernelLog: [], consoleEvents: []}];
	obs.probes = [{label: 'end', driverLoaded: false, archResolved: undefined, apiPaths: [], apiPassed: 0, apiTotal: 0, genericPassed: 0, genericTotal: 0, failures: []}];
	relabel(obs, {scenario: 'blacklist-cmdline-kernel'});
}), 'C2', 'fails', /arch module not loaded; .*driver not loaded.*failed: modprobe driver \(EPERM\)/);
test('no-arch is not a blacklist scenario', verdict, () => cell(k.weakNoArch), 'C2', 'n/a', /no blacklisting/);

// C3: no NEON.
test('mainline arch-first on a CPU without NEON: arch module resident', verdict, () => cell(k.mainlineNoneonArchFirst), 'C3', 'fails', /^CPU without NEON; arch module RESIDENT \(9211 bytes\); /);
test('weak arch refused on a CPU without NEON, generic works', verdict, () => cell(k.weakNoArch, obs => {
	relabel(obs, {cpu: 'noneon', scenario: 'arch-first'});
	obs.neonInCpuinfo = false;
	obs.cpuFeatures = obs.cpuFeatures.filter(f => f !== 'neon');
}), 'C3', 'holds', /arch module not resident; libcurve25519\.ko loaded; api path generic/);
test('no-arch on a CPU without NEON does not load the arch module', verdict, () => cell(k.weakNoArch, obs => {
	relabel(obs, {cpu: 'noneon'});
	obs.neonInCpuinfo = false;
}), 'C3', 'n/a', /scenario does not load the arch module/);
test('a NEON CPU', verdict, () => cell(k.weakBlacklist), 'C3', 'n/a', /CPU has NEON/);

// C4: arch loaded on NEON → used.
test('weak, arch loaded, api path arch', verdict, weakBlacklistVia(['arch']), 'C4', 'holds', /^arch module loaded on a NEON CPU; api path arch, vectors 4\/4$/);
test('weak, arch loaded, api path generic', verdict, weakBlacklistVia(['generic']), 'C4', 'fails', /api path generic/);
test('weak, arch path but a vector failed', verdict, () => cell(k.weakBlacklist, obs => Object.assign(endProbe(obs), {apiPassed: 3})), 'C4', 'fails', /vectors 3\/4/);
test('weak lib-first (real run): arch loaded later, not used', verdict, () => cell(k.weakLibFirst), 'C4', 'fails');
test('mainline arch-entry on a NEON CPU', verdict, () => cell(k.mainlineNoneonArchFirst, obs => {
	relabel(obs, {cpu: 'neon'});
	obs.neonInCpuinfo = true;
}), 'C4', 'holds', /api path arch-entry.*\(mainline: calls enter curve25519_arch by a strong reference/);
test('CPU without NEON', verdict, () => cell(k.mainlineNoneonArchFirst), 'C4', 'n/a', /^CPU has no NEON$/);
test('arch module not loaded at the end', verdict, () => cell(k.weakNoArch), 'C4', 'n/a', /^arch module not loaded at the end$/);

// C5: unplugging.
test('rmmod refused while used (EBUSY), then generic', verdict, () => cell(k.weakRmmod), 'C5', 'holds', /^rmmod arch while in use: refused \(EBUSY\); after unplug: libcurve25519\.ko loaded, api path generic, vectors 4\/4$/);
test('rmmod succeeded while the library used the arch module', verdict, rmmodSucceededWhileUsed, 'C5', 'fails', /rmmod arch while in use: SUCCEEDED/);
test('rmmod refused, but no working fallback', verdict, () => cell(k.weakRmmod, obs => {
	obs.modulesAtEnd = obs.modulesAtEnd.filter(m => m.name === 'libcurve25519_generic');
	Object.assign(endProbe(obs), {driverLoaded: false, archResolved: undefined, apiPaths: [], apiPassed: 0, apiTotal: 0});
}), 'C5', 'fails', /refused \(EBUSY\); after unplug: libcurve25519\.ko not loaded, driver not loaded/);
test('rmmod where the arch module never loaded', verdict, () => cell(k.weakRmmod, obs => {
	const insmodArch = obs.steps.find(s => s.label === 'insmod arch');
	if (!insmodArch) throw new Error('fixture has no insmod arch step');
	Object.assign(insmodArch, {exitCode: 1, errno: 'ENODEV', message: 'insmod: ERROR: could not insert module /lib/modules/6.1.176/kernel/kplug/curve25519-neon.ko: No such device'});
}), 'C5', 'n/a', /^arch module never loaded; failed: insmod arch \(ENODEV\)/);
test('rmmod where the plugged probe did not go through arch says so', verdict, () => cell(k.weakRmmod, obs => {
	const plugged = obs.probes.find(p => p.label === 'plugged');
	if (!plugged) throw new Error('fixture has no plugged probe');
	plugged.apiPaths = ['generic'];
}), 'C5', 'holds', /refused \(EBUSY\) \(library was not using arch\)/);
test('no unplugging outside rmmod', verdict, () => cell(k.weakLibFirst), 'C5', 'n/a');

// C6: load order.
test('weak lib-first loads and works', verdict, () => cell(k.weakLibFirst), 'C6', 'holds', /^libcurve25519\.ko loaded; api path generic, vectors 4\/4$/);
test('mainline arch-first: libcurve25519 loaded, arch-entry', verdict, () => cell(k.mainlineNoneonArchFirst), 'C6', 'holds');
test('lib-first with the library refused (ENOEXEC)', verdict, () => cell(k.weakLibFirst, obs => {
	const lib = obs.steps.find(s => s.label === 'insmod lib');
	if (!lib) throw new Error('fixture has no insmod lib step');
	Object.assign(lib, {exitCode: 1, errno: 'ENOEXEC', message: 'insmod: ERROR: could not insert module /lib/modules/6.1.176/kernel/kplug/libcurve25519.ko: Invalid module format'});
	obs.modulesAtEnd = obs.modulesAtEnd.filter(m => m.name !== moduleNames.lib && m.name !== moduleNames.driver);
	Object.assign(endProbe(obs), {driverLoaded: false, apiPaths: [], apiPassed: 0, apiTotal: 0});
}), 'C6', 'fails', /libcurve25519\.ko not loaded; .*failed: insmod lib \(ENOEXEC\)/);

// C7: binding happens at library load time only.
test('weak lib-first, arch loaded later, api generic', verdict, () => cell(k.weakLibFirst), 'C7', 'holds', /^arch module loaded after the library; api path generic, vectors 4\/4$/);
test('weak lib-first, arch loaded later, api arch', verdict, libFirstUsesArch, 'C7', 'fails', /api path arch/);
test('lib-first on a CPU without NEON', verdict, () => cell(k.weakLibFirst, obs => {
	relabel(obs, {cpu: 'noneon'});
	obs.neonInCpuinfo = false;
}), 'C7', 'n/a', /not both loaded on a NEON CPU/);
test('arch-first does not load the library first', verdict, () => cell(k.mainlineNoneonArchFirst), 'C7', 'n/a', /library not loaded before the arch module/);

test('the real fixture cells give the verdicts the 108-cell run reported', t => {
	const verdicts = (obs: CellObservation): string => evaluateClaims(obs).map(c => `${c.claim}=${c.verdict}`).join(' ');
	t.deepEqual(Object.fromEntries(fixtureCells().map(c => [c.cellKey, verdicts(c)])), {
		'mainline/thumb2/noneon/arch-first': 'C1=n/a C2=n/a C3=fails C4=n/a C5=n/a C6=holds C7=n/a',
		'weak/thumb2/neon/lib-first': 'C1=n/a C2=n/a C3=n/a C4=fails C5=n/a C6=holds C7=holds',
		'mainline/thumb2/neon/no-arch': 'C1=fails C2=n/a C3=n/a C4=n/a C5=n/a C6=n/a C7=n/a',
		'weak/thumb2/neon/no-arch': 'C1=holds C2=n/a C3=n/a C4=n/a C5=n/a C6=n/a C7=n/a',
		'weak/thumb2/neon/rmmod': 'C1=holds C2=n/a C3=n/a C4=n/a C5=holds C6=n/a C7=n/a',
		'weak/thumb2/neon/blacklist-modprobe-d': 'C1=n/a C2=fails C3=n/a C4=holds C5=n/a C6=n/a C7=n/a',
	});
});

test('an error cell: every claim n/a, with the error message as evidence', t => {
	const results = evaluateClaims(errorCell());
	t.deepEqual(results.map(r => r.claim), claimIds);
	for (const r of results) {
		t.is(r.verdict, 'n/a', r.claim);
		t.is(r.evidence, 'cell did not complete: no ready line from the guest agent within 120000 ms');
	}
});

test('claim ids are unique and C1…C7 in order', t => {
	t.deepEqual(claimIds, ['C1', 'C2', 'C3', 'C4', 'C5', 'C6', 'C7']);
	for (const c of claimDefinitions) {
		t.true(c.text.length > 0, c.id);
		t.true(c.source.length > 0, c.id);
	}
});

test('every claim appears exactly once per cell, in definition order, with evidence', t => {
	const observations = [
		...fixtureCells(),
		errorCell(),
		blacklistRespected(),
		rmmodSucceededWhileUsed(),
		libFirstUsesArch(),
		weakBlacklistVia(['arch-entry'])(),
		// Every scenario on both CPUs, with the observations of some real cell.
		...scenarios.flatMap(s => ['neon', 'noneon'].map(cpu => cell(k.weakRmmod, obs => relabel(obs, {scenario: s.id, cpu})))),
	];
	t.true(observations.length > 20);
	for (const obs of observations) {
		const results = evaluateClaims(obs);
		t.deepEqual(results.map(r => r.claim), claimIds, obs.cellKey);
		for (const r of results) t.true(r.evidence.trim().length > 0, `${obs.cellKey} ${r.claim}`);
	}
});

// The claims' scenario sets agree with the registry: C2 applies exactly to blacklist scenarios,
// C3 (no NEON) to every scenario whose image carries the arch module.
test('C2 and C3 apply to the scenarios the registry says they should', t => {
	for (const s of scenarios) {
		const obs = cell(k.weakRmmod, o => {
			relabel(o, {scenario: s.id, cpu: 'noneon'});
			o.neonInCpuinfo = false;
		});
		const byId = new Map(evaluateClaims(obs).map(r => [r.claim, r.verdict]));
		t.is(byId.get('C2') !== 'n/a', s.id.startsWith('blacklist-'), `C2 for ${s.id}`);
		t.is(byId.get('C3') !== 'n/a', s.withArch, `C3 for ${s.id}`);
	}
});

test('evaluateClaims does not mutate the observation', t => {
	const obs = cell(k.weakRmmod);
	const before = JSON.stringify(obs);
	evaluateClaims(obs);
	t.is(JSON.stringify(obs), before);
});
