import test from 'ava';
import {kernelEvidence, kprobeDefinitions, parseKprobeProfile, PathContradiction, probesFor, reconcilePaths, tracingSetupScript} from '../../../harness/scenarios/kernel-path.ts';

// kprobe_profile as 6.1 prints it: "  %-44s %15lu %15lu" (event name, hits, misses).
const profile = (hits: Record<string, number>): string =>
	Object.entries(hits).map(([event, n]) => `  ${event.padEnd(44)} ${String(n).padStart(15)} ${String(0).padStart(15)}`).join('\n') + '\n';

const zero = {neon: 0, arch: 0, generic: 0};

test('the setup script defines one MOD:SYM probe per entry point and enables the group', t => {
	const script = tracingSetupScript('mainline');
	for (const p of kprobeDefinitions) t.true(script.includes(`p:kplug/${p.event} ${p.module}:${p.symbol}`), p.event);
	t.regex(script, /echo 1 > events\/kplug\/enable/);
	t.deepEqual(kprobeDefinitions.map(p => p.symbol), ['curve25519_neon', 'curve25519_arch', 'curve25519_generic']);
	// The weak glue's hooks cannot be probed (mrc first; a 16-bit push probe oopsed): only core and generic.
	t.false(tracingSetupScript('weak').includes('curve25519_arch'));
	t.deepEqual(probesFor('weak').map(p => p.event), ['neon', 'generic']);
});

test('parseKprobeProfile reads hits per kplug event and ignores other events', t => {
	const parsed = parseKprobeProfile(profile({neon: 4, arch: 4, generic: 12, other_probe: 99}));
	t.deepEqual(parsed.counts, {neon: 4, arch: 4, generic: 12});
	t.is(parsed.lines.length, 3);
	t.deepEqual(parseKprobeProfile('').counts, zero);
});

test('kernelEvidence: deltas, and the paths they show', t => {
	const neon = kernelEvidence({...zero, generic: 20}, {...zero, neon: 4, arch: 4, generic: 20}, []);
	t.deepEqual(neon.counts, {neon: 4, generic: 0, arch: 4});
	t.deepEqual(neon.paths, ['arch-glue→neon']);
	t.deepEqual(kernelEvidence(zero, {...zero, generic: 4}, []).paths, ['generic']);
	t.deepEqual(kernelEvidence(zero, {...zero, arch: 4, generic: 4}, []).paths, ['arch-glue→generic']);
	t.deepEqual(kernelEvidence(zero, zero, []).paths, []);
});

const neonSeen = kernelEvidence(zero, {...zero, neon: 4, arch: 4}, ['neon 4 0']);
const genericSeen = kernelEvidence(zero, {...zero, generic: 4}, ['generic 4 0']);
const glueGeneric = kernelEvidence(zero, {...zero, arch: 4, generic: 4}, ['arch 4 0', 'generic 4 0']);

test('agreeing readings pass', t => {
	t.notThrows(() => reconcilePaths('weak', ['arch'], neonSeen, 'end'));
	t.notThrows(() => reconcilePaths('weak', ['generic'], genericSeen, 'end'));
	// Mainline: the module's Kconfig-derived arch-entry is refined by the kernel, never contradicted.
	t.notThrows(() => reconcilePaths('mainline', ['arch-entry'], neonSeen, 'end'));
	t.notThrows(() => reconcilePaths('mainline', ['arch-entry'], glueGeneric, 'end'));
});

// The module says arch, the kernel saw no entry into the NEON core: a rig error, never a finding.
test('an injected mismatch is caught as a rig error naming both readings', t => {
	const error = t.throws(() => reconcilePaths('weak', ['arch'], genericSeen, 'end'), {instanceOf: PathContradiction});
	t.regex(error?.message ?? '', /module-reported path arch vs kernel-observed generic/);
	t.regex(error?.message ?? '', /no entry into the NEON core/);
	t.throws(() => reconcilePaths('weak', ['generic'], neonSeen, 'end'), {instanceOf: PathContradiction});
	t.throws(() => reconcilePaths('mainline', ['arch-entry'], genericSeen, 'plugged'), {instanceOf: PathContradiction, message: /probe plugged: .*no entry into the arch glue/});
});

test('a consolidated library (mainline on 7.3): the same three symbols, probed in libcurve25519', t => {
	const home = {module: 'libcurve25519', consolidated: true};
	t.deepEqual(probesFor('mainline', home).map(p => `${p.event} ${p.module}:${p.symbol}`), ['neon libcurve25519:curve25519_neon', 'arch libcurve25519:curve25519_arch', 'generic libcurve25519:curve25519_generic']);
	t.true(tracingSetupScript('mainline', home).includes("echo 'p:kplug/arch libcurve25519:curve25519_arch' >> kprobe_events"));
	t.deepEqual(probesFor('mainline').map(p => p.module), ['curve25519_neon', 'curve25519_neon', 'libcurve25519_generic']);
});
