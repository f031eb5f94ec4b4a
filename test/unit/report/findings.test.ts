import test from 'ava';
import {readFile} from 'node:fs/promises';
import {countRanges, evidenceHref, evidenceKind, findings} from '../../../harness/report/findings.ts';
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

// Does the sentence quote this cell's evidence: the same text, each count either the cell's or a range holding it?
function fits(evidence: string, sentence: string): boolean {
	const quoted = /^.*? fails in \d+ of \d+ judged \w+ \([^)]*\): (.*)\.$/s.exec(sentence)?.[1];
	if (quoted === undefined) return false;
	const pattern = evidence.split(/((?<![\w.])\d+(?![\w.]))/).map((part, i) => {
		if (i % 2 === 0) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
		return `(${part}|\\d+–\\d+)`;
	});
	const match = new RegExp(`^${pattern.join('')}$`, 's').exec(quoted);
	if (!match) return false;
	// Each range must hold the cell's count.
	const counts = evidence.match(/(?<![\w.])\d+(?![\w.])/g) ?? [];
	return match.slice(1).every((got, i) => {
		const [lo, hi] = got!.split('–').map(Number);
		const n = Number(counts[i]);
		return hi === undefined ? lo === n : lo! <= n && n <= hi;
	});
}

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
			t.true(evidence !== undefined && fits(evidence, f.text), `${key} in: ${f.text}`);
			checked++;
		}
	}
	t.true(checked > 0);
});

// Evidence that differs only in its counts is one sentence with the range; names and versions are never counts.
test('countRanges gives each differing count as its range and leaves names and versions alone', t => {
	const a = 'under load 44× refused: rmmod curve25519_neon (44 iterations: 0 removals allowed) on 6.1.176';
	const b = 'under load 68× refused: rmmod curve25519_neon (68 iterations: 0 removals allowed) on 6.1.176';
	t.is(evidenceKind(a), evidenceKind(b));
	t.is(countRanges([a, b, a]), 'under load 44–68× refused: rmmod curve25519_neon (44–68 iterations: 0 removals allowed) on 6.1.176');
	t.is(countRanges([a]), a);
	// A version or a name that differs is another kind of evidence, never a range.
	t.not(evidenceKind(a), evidenceKind(a.replace('6.1.176', '6.1.192')));
	t.not(evidenceKind('x25519 refs=1'), evidenceKind('x448 refs=1'));
	t.is(evidenceKind('at any of 3 moments; caller ran across 44; 900 calls'), 'at any of \u0000 moments; caller ran across \u0000; \u0000 calls');
	// None against some is another observation, not a range that starts at 0.
	t.not(evidenceKind('44 calls, 0 wrong'), evidenceKind('44 calls, 3 wrong'));
	t.not(evidenceKind('0 removals allowed'), evidenceKind('2 removals allowed'));
	t.is(evidenceKind('44 calls, 0 wrong'), evidenceKind('51 calls, 0 wrong'));
	// Numbers that are the observation itself: vectors passed, exit codes, refcounts, source lines, N of M.
	for (const [x, y] of [['vectors 4/4', 'vectors 3/4'], ['(exit 1)', '(exit 137)'], ['refs=1', 'refs=2'], ['libkmod-module.c:1047', 'libkmod-module.c:1052'], ['then 1 of 40', 'then 40 of 40']]) {
		t.not(evidenceKind(x!), evidenceKind(y!), `${x} / ${y}`);
	}
	// A literal # in the text is not a count's place.
	t.not(evidenceKind('issue #5: 3 calls'), evidenceKind('issue 7: 3 calls'));
});

test('the recorded run\'s C5b under-load findings are one sentence per design, with the iteration counts as ranges', t => {
	const cells = resultsOf(fixtureCells());
	const list = findings({designs: ['mainline', 'weak'], claims: claimDefinitions, cells, pairClaims: evaluatePairClaims(cells)});
	const underLoad = (design: string) => list.filter(f => f.text.startsWith(`${design}: C5b fails`) && f.text.includes('under load'));
	const mainline = underLoad('mainline');
	t.is(mainline.length, 1);
	t.regex(mainline[0]!.text, /^mainline: C5b fails in 6 of \d+ judged cells \(.*\): removal refused even with the caller stopped .* under load \d+–\d+× refused/);
	t.is(mainline[0]!.cells.length, 6);
	t.is(underLoad('weak').length, 1);
});
