import test from 'ava';
import {readFile} from 'node:fs/promises';
import {evidenceHref, findings} from '../../../harness/report/findings.ts';
import {blockIn, findingsBlock, readmePath, resultsOf} from '../../../harness/report/readme-findings.ts';
import {claimDefinitions, evaluatePairClaims} from '../../../harness/scenarios/claims.ts';
import type {CellObservation} from '../../../harness/scenarios/types.ts';
import {fixtureCells, fixtureKeys as k} from '../scenarios/_cells.ts';

function findingsOf(observations: CellObservation[]) {
	const cells = resultsOf(observations);
	return findings({designs: ['mainline', 'weak'], claims: claimDefinitions, cells, pairClaims: evaluatePairClaims(cells)});
}

const texts = (observations: CellObservation[]): string[] => findingsOf(observations).map(f => f.text);

test('the recorded run yields findings, each with its cells and a link to the first cell\'s evidence', t => {
	const list = findingsOf(fixtureCells());
	t.true(list.length > 0);
	for (const f of list) {
		t.true(f.cells.length > 0, f.text);
		t.true(f.cells.map(evidenceHref).includes(f.evidence), f.text);
		t.regex(f.text, /^(mainline|weak): /);
	}
	const c6 = list.find(f => f.text.startsWith('weak: C6 fails'));
	t.truthy(c6, 'load order fails for the weak design');
	// The link goes to the cell whose evidence the sentence quotes (lib-first of the first failing pair).
	t.is(c6?.evidence, evidenceHref('weak/thumb2/neon/lib-first'));
	t.is(evidenceHref('weak/thumb2/neon/lib-first'), 'cells/weak__thumb2__neon__lib-first/result.json');
});

// A finding is built from the data: change one recorded observation and it changes.
test('changing one recorded observation changes the findings', t => {
	const before = texts(fixtureCells());
	const changed = fixtureCells().map(obs => {
		if (obs.cellKey !== k.weakLibFirst) return obs;
		// Pretend the later-loaded arch module had been used: the kernel saw the NEON core.
		const end = obs.probes.find(p => p.label === 'end')!;
		end.apiPaths = ['arch'];
		end.kernel = {...end.kernel!, paths: ['arch-glue→neon'], counts: {neon: 4, generic: 0, arch: 0}};
		return obs;
	});
	const after = texts(changed);
	t.notDeepEqual(after, before);
	const c7 = after.find(f => f.startsWith('weak: C7 fails'));
	t.truthy(c7, 'binding at load time no longer holds');
	t.false(before.some(f => f.startsWith('weak: C7 fails')));
});

test('who answered: the kmod-vs-kernel errno pair is a finding', t => {
	const who = texts(fixtureCells()).filter(f => f.includes("the kernel's own answer"));
	t.true(who.some(f => /^weak: `rmmod curve25519_neon` while the module is in use is refused by kmod itself with EBUSY .*the kernel's own answer \(delete_module, O_NONBLOCK\) is EAGAIN\.$/.test(f)), who.join('\n'));
	// The same cells with the kernel agreeing with kmod: no such finding.
	const agreeing = fixtureCells().map(obs => {
		obs.steps.forEach((s, i) => {
			if (s.label === 'delete_module arch' && i > 0) s.errno = obs.steps[i - 1]!.errno;
		});
		return obs;
	});
	t.false(texts(agreeing).some(f => f.includes("the kernel's own answer")));
});

test('the README carries exactly the findings of the recorded run (npm run findings:readme rewrites them)', async t => {
	const readme = await readFile(readmePath, 'utf8');
	const block = blockIn(readme);
	t.truthy(block, 'README has the findings markers');
	t.is(block, findingsBlock(fixtureCells()), 'README findings differ from the recorded data: run `npm run findings:readme` and review');
});

test('depmod\'s finding names the kmod that wrote modules.dep and, where it wrote one, modules.weakdep', t => {
	const modprobe = (obs: CellObservation): boolean => obs.cellKey === 'weak/thumb2/neon/modprobe';
	const depmod = (list: string[]): string[] => list.filter(f => f.startsWith('weak: depmod'));
	const before = depmod(texts(fixtureCells().filter(modprobe)));
	t.is(before.length, 1);
	t.regex(before[0]!, /^weak: depmod \(kmod 30\) records libcurve25519\.ko's dependencies as curve25519-neon\.ko/);
	t.false(before[0]!.includes('modules.weakdep'), 'kmod 30 writes no modules.weakdep');
	const kmod34 = fixtureCells().filter(modprobe).map(obs => {
		obs.guest = {...obs.guest!, kmod: 'kmod version 34.2'};
		obs.recorded = {...obs.recorded!, modulesWeakdep: ['weakdep libcurve25519 curve25519-neon']};
		return obs;
	});
	const after = depmod(texts(kmod34));
	t.is(after.length, 1);
	t.regex(after[0]!, /^weak: depmod \(kmod 34\) records .*; it also writes modules\.weakdep: `weakdep libcurve25519 curve25519-neon`\.$/);
});

// A claim's finding quotes evidence; every cell it names must have failed with exactly that evidence (the old
// finding quoted the first failing cell's evidence for all of them, e.g. "LOADED despite the blacklist" for cells
// where the driver never loaded).
test('a failing claim\'s finding names only cells whose own evidence it quotes', t => {
	const cells = resultsOf(fixtureCells());
	const list = findings({designs: ['mainline', 'weak'], claims: claimDefinitions, cells, pairClaims: evaluatePairClaims(cells)});
	const cellScoped = new Set(claimDefinitions.filter(c => c.scope !== 'pair').map(c => c.id));
	let checked = 0;
	for (const f of list) {
		const claim = /^\w+: (C\w+) fails in /.exec(f.text)?.[1];
		if (!claim || !cellScoped.has(claim)) continue;
		for (const key of f.cells) {
			const evidence = cells.find(c => c.cellKey === key)?.claims.find(r => r.claim === claim)?.evidence;
			t.true(evidence !== undefined && f.text.endsWith(`: ${evidence}.`), `${key} in: ${f.text}`);
			checked++;
		}
	}
	t.true(checked > 0);
});
