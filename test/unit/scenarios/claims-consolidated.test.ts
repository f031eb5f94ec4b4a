// Claims for a consolidated library (mainline on 7.3: the NEON core linked into libcurve25519.ko, no arch module),
// judged on the recorded 7.3 cells (test/fixtures/scenarios/cells-consolidated.json) and edits of them.
import {readFileSync} from 'node:fs';
import test from 'ava';
import {evaluateClaims, evaluatePairClaims} from '../../../harness/scenarios/claims.ts';
import {cellOutcome} from '../../../harness/scenarios/outcome.ts';
import type {CellObservation} from '../../../harness/scenarios/types.ts';

const text = readFileSync(new URL('../../fixtures/scenarios/cells-consolidated.json', import.meta.url), 'utf8');
const cells = (): CellObservation[] => JSON.parse(text) as CellObservation[];
const one = (key: string, edit?: (obs: CellObservation) => void): CellObservation => {
	const found = cells().find(c => c.cellKey === `mainline/thumb2@7.3/${key}`);
	if (!found) throw new Error(`no fixture cell ${key}`);
	edit?.(found);
	return found;
};
const verdicts = (obs: CellObservation): Record<string, string> => Object.fromEntries(evaluateClaims(obs).map(c => [c.claim, c.verdict]));
const claim = (obs: CellObservation, id: string) => evaluateClaims(obs).find(c => c.claim === id)!;

test('the fixture: 26 mainline@7.3 cells, every one marked consolidated, with the NEON core in libcurve25519 at the end', t => {
	const all = cells();
	t.is(all.length, 26);
	for (const c of all) {
		t.is(c.archModule, 'libcurve25519', c.cellKey);
		t.deepEqual(c.kallsymsNeon, {present: true, owner: 'libcurve25519'}, c.cellKey);
	}
});

test('CPU without NEON: C3 and C8 fail on the resident, idle NEON core; the arch-module claims are n/a', t => {
	const obs = one('noneon/arch-first');
	t.deepEqual(verdicts(obs), {C1: 'n/a', C2: 'n/a', C3: 'fails', C4: 'n/a', C5a: 'n/a', C5b: 'n/a', C7: 'n/a', C8: 'fails'});
	t.regex(claim(obs, 'C3').evidence, /NEON core RESIDENT inside libcurve25519 \(kallsyms: curve25519_neon \[libcurve25519\]\).*no NEON entry at probe end \(generic \d+×\)/);
	t.regex(claim(obs, 'C8').evidence, /yet idle: .*kernel saw arch-glue→generic/);
	t.regex(claim(obs, 'C1').evidence, /^no arch module: the NEON code is linked into libcurve25519/);
});

test('C3 and C8 follow the observation: with the library loaded and no NEON core in kallsyms the reading failed (not evaluated); without the library C3 is n/a', t => {
	const unread = one('noneon/arch-first', o => (o.kallsymsNeon = {present: false, owner: undefined}));
	t.is(claim(unread, 'C3').verdict, 'not evaluated');
	t.regex(claim(unread, 'C3').evidence, /libcurve25519 is loaded but kallsyms: no curve25519_neon in it/);
	t.is(claim(unread, 'C8').verdict, 'n/a');
	const noLibrary = one('noneon/arch-first', o => {
		o.kallsymsNeon = {present: false, owner: undefined};
		for (const p of o.probes) p.modules = (p.modules ?? []).filter(l => !l.startsWith('libcurve25519 '));
	});
	t.is(claim(noLibrary, 'C3').verdict, 'n/a');
});

test('NEON CPU: C4 and C8 hold on the kernel-observed NEON core; a probe where the kernel saw generic makes both fail', t => {
	const obs = one('neon/modprobe');
	t.deepEqual(verdicts(obs), {C1: 'n/a', C2: 'n/a', C3: 'n/a', C4: 'holds', C5a: 'n/a', C5b: 'n/a', C7: 'n/a', C8: 'holds'});
	const generic = one('neon/modprobe', o => {
		const end = o.probes.find(p => p.label === 'end')!;
		end.kernel = {...end.kernel!, counts: {neon: 0, arch: 4, generic: 4}, paths: ['arch-glue→generic']};
	});
	t.deepEqual([claim(generic, 'C4').verdict, claim(generic, 'C8').verdict], ['fails', 'fails']);
	const untraced = one('neon/modprobe', o => o.probes.forEach(p => delete p.kernel));
	t.deepEqual([claim(untraced, 'C4').verdict, claim(untraced, 'C8').verdict], ['not evaluated', 'not evaluated']);
});

test('C2: every blacklist scenario fails while the NEON core stays resident, quoting where it is and whether it ran', t => {
	for (const scenario of ['blacklist-modprobe-d', 'blacklist-install', 'blacklist-cmdline-modprobe', 'blacklist-cmdline-kernel', 'alias-blacklist']) {
		for (const cpu of ['neon', 'noneon']) {
			const result = claim(one(`${cpu}/${scenario}`), 'C2');
			t.is(result.verdict, 'fails', `${cpu}/${scenario}`);
			t.regex(result.evidence, cpu === 'neon' ? /names curve25519_neon, which does not exist here: .*the kernel saw the NEON core run \d+×/ : /the kernel saw no NEON entry/, `${cpu}/${scenario}`);
		}
	}
	t.is(claim(one('neon/blacklist-modprobe-d', o => (o.kallsymsNeon = {present: false, owner: undefined})), 'C2').verdict, 'not evaluated');
});

test('steps for the roles the design does not have are n/a in the outcome, with the reason; C6 holds with both orders the same', t => {
	const obs = one('neon/rmmod');
	const steps = cellOutcome(obs, evaluateClaims(obs))['steps'] as string[];
	t.deepEqual(steps.filter(s => s.includes(': n/a (')).map(s => s.split(':')[0]), ['insmod generic', 'insmod arch', 'rmmod arch', 'delete_module arch', 'rmmod arch']);
	t.true(steps.includes('rmmod lib [kmod]: ok'));
	const pairs = evaluatePairClaims(cells());
	t.deepEqual(pairs.map(p => [p.verdict, /one module, libcurve25519/.test(p.evidence)]), [['holds', true], ['holds', true]]);
});
