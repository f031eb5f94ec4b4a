import test from 'ava';
import {summarizeVerdicts} from '../../../harness/report/document.ts';
import {renderMarkdown} from '../../../harness/report/markdown.ts';
import type {CellResult, Verdict} from '../../../harness/scenarios/types.ts';
import {injected, sampleReport} from './_sample-report.ts';

// Split a Markdown table row on unescaped pipes.
function rowCells(row: string): string[] {
	const inner = row.trim().slice(1, -1);
	const cells: string[] = [];
	let current = '';
	for (let i = 0; i < inner.length; i++) {
		const ch = inner[i]!;
		if (ch === '\\') {
			current += ch + (inner[i + 1] ?? '');
			i++;
		} else if (ch === '|') {
			cells.push(current.trim());
			current = '';
		} else current += ch;
	}
	cells.push(current.trim());
	return cells;
}

// The first table after a heading, as rows of cells (header first, separator dropped).
function tableAfter(md: string, heading: string): string[][] {
	const lines = md.split('\n');
	const at = lines.indexOf(heading);
	if (at < 0) throw new Error(`no heading ${heading}`);
	const start = lines.findIndex((l, i) => i > at && l.startsWith('|'));
	const rows: string[][] = [];
	for (let i = start; i < lines.length && lines[i]!.startsWith('|'); i++) {
		if (/^\|(\s*---\s*\|)+$/.test(lines[i]!)) continue;
		rows.push(rowCells(lines[i]!));
	}
	return rows;
}

test('headline claims × configurations table comes first and counts verdicts per configuration', t => {
	const md = renderMarkdown(sampleReport());
	t.deepEqual(tableAfter(md, '## Claims × configurations'), [
		['Claim', 'mainline/thumb2/neon', 'mainline/thumb2/noneon', 'weak/thumb2/neon', 'weak/thumb2/noneon'],
		['C1', 'n/a', 'holds 1/1; 1 not run', 'holds 1/1', 'holds 1/1; 1 not evaluated'],
		['C2', 'holds 1/1', 'n/a; 1 not run', 'holds 1/1', 'n/a; 1 not evaluated'],
		['C3', 'FAILS 1/2 (lib-first)', 'holds 1/1; 1 not run', 'holds 2/2', 'holds 1/1; 1 not evaluated'],
	]);
	const verdicts = md.indexOf('## Verdicts');
	const headline = md.indexOf('## Claims × configurations');
	t.true(verdicts > 0 && verdicts < md.indexOf('## Findings') && md.indexOf('## Findings') < headline, 'verdicts, then findings, then per configuration');
	t.true(headline < md.indexOf('## Scenarios'));
	t.true(headline < md.indexOf('| Configuration |'));
	t.regex(md, /\*\*A claim that FAILS is a finding about the design under test, not a test failure/);
});

test('one table per scenario with compact steps, modules, kallsyms, path and claims', t => {
	const md = renderMarkdown(sampleReport());
	const table = tableAfter(md, '### lib-first: insmod, library before the arch module');
	t.is(table[0]?.length, 9);
	t.deepEqual(table.slice(1).map(r => r[0]), ['mainline/thumb2/neon', 'mainline/thumb2/noneon', 'weak/thumb2/neon', 'weak/thumb2/noneon']);
	const mainline = table[1]!;
	t.is(mainline[2], 'insmod generic ✓<br>insmod lib ✗ ENOENT<br>insmod arch ✓<br>insmod driver ✗ ENOENT');
	t.is(mainline[3], 'curve25519_neon (ref 0)<br>libcurve25519_generic (ref 1: curve25519_neon)');
	t.is(mainline[4], 'yes (curve25519_neon)');
	t.is(mainline[8], 'C1 n/a<br>C2 n/a<br>C3 FAILS');
	t.is(table[2]?.[1], 'not run');
	t.is(table[3]?.[5], 'no');
	t.is(table[3]?.[6], 'module: generic<br>kernel: not observed');
	t.is(table[4]?.[1], 'ERROR boot-timeout');
	t.true(md.includes('mainline/thumb2/neon: C3 FAILS — library insmod exit code'));
	t.false(md.includes(injected), 'raw HTML from a step message must not reach the Markdown');
	t.true(md.includes('&lt;script>alert("x")&lt;/script>'));
});

test('pipes inside cells are escaped and do not add columns', t => {
	const report = sampleReport();
	report.claims[0]!.text = 'absent | blacklisted \\| odd';
	report.matrix.scenarios[0]!.title = 'a | b';
	const md = renderMarkdown(report);
	const legend = tableAfter(md, '## Claims × configurations').length;
	t.is(legend, 4);
	const lines = md.split('\n');
	const row = lines.find(l => l.startsWith('| C1 | absent'));
	t.truthy(row);
	t.deepEqual(rowCells(row!), ['C1', 'absent \\| blacklisted \\\\\\| odd', 'https://lore.kernel.org/linux-crypto/ (Ard Biesheuvel, 2019-10-04)']);
	t.true(md.includes('### arch-first: a | b'));
});

test('deviations as diff blocks, flakes, vectors, memory, not run and timing sections', t => {
	const md = renderMarkdown(sampleReport());
	t.true(md.includes('```diff\n- probes.end.apiPaths: ["arch"]\n+ probes.end.apiPaths: ["generic"]\n```'));
	t.true(md.includes('| weak/thumb2/neon/lib-first | #1: generic<br>#2: generic<br>#3: arch | no: unexplained flake |'));
	const vectors = tableAfter(md, '## Vectors');
	t.deepEqual(vectors[0]?.slice(6, 7), ['ops/s (measured under TCG emulation)']);
	t.deepEqual(vectors[3], ['weak/thumb2/neon', 'api', 'arch', '40', '39', '1<br>wycheproof-17 (2 byte(s): 0, 31)', '790', '1.30', '3.04×']);
	t.true(md.includes('Loading curve25519_neon costs 68 kB of MemAvailable, above the 16 kB noise floor.'));
	t.deepEqual(tableAfter(md, '## Memory')[1], ['mainline', 'neon (with NEON)', 'thumb2', '16 KiB · 4 pages · module 12288 B', '—']);
	t.deepEqual(tableAfter(md, '### Across fresh boots')[2], ['mainline/thumb2/neon', 'absent', 'no', '—', '—', '—', '213120', '—', '5']);
	t.regex(md, /not loading the arch module saves \d+ bytes of module core/);
	t.regex(md, /## Cells not run\n\n- mainline\/thumb2\/noneon\/lib-first\n/);
	t.true(md.includes('- Wall time: 412.7 s with 4 parallel job(s)'));
	t.true(md.includes('- Cells: 7 run (6 completed, 1 errored), 1 not run'));
	t.false(/\u001b/.test(md), 'control characters are made visible');
});

test('cells that ended with a recorded alternative outcome are listed with the reason, apart from the deviations', t => {
	const report = {...sampleReport(), knownOutcomes: [{cellKey: 'softdep/arm/neon/unplug-under-load', why: 'kernel race in __symbol_get'}]};
	const md = renderMarkdown(report);
	const start = md.indexOf('\n## Deviations from baseline');
	const section = md.slice(start, md.indexOf('\n## ', start + 1));
	t.regex(section, /1 cell\(s\) ended with an outcome the baseline records as a reviewed alternative/);
	t.true(section.includes('- softdep/arm/neon/unplug-under-load: kernel race in __symbol_get'));
	// The deviations are still there, apart.
	t.true(section.includes('```diff\n- probes.end.apiPaths: ["arch"]'));
	t.false(renderMarkdown(sampleReport()).includes('reviewed alternative'));
});

test('a version change is shown once per profile, above the deviations, with the old and new version', t => {
	const report = {...sampleReport(), versionChanges: [{profile: 'thumb2', changed: ['kernel'], diff: ['- kernel: Linux version 6.1.176', '+ kernel: Linux version 6.1.192']}]};
	const md = renderMarkdown(report);
	const start = md.indexOf('\n## Deviations from baseline');
	const section = md.slice(start, md.indexOf('\n## ', start + 1));
	t.regex(section, /thumb2: the baseline was recorded with other versions \(kernel\)\. Its cells were compared all the same/);
	t.true(section.includes('```diff\n- kernel: Linux version 6.1.176\n+ kernel: Linux version 6.1.192\n```'));
	t.true(section.indexOf('other versions') < section.indexOf('- probes.end.apiPaths'));
	t.false(renderMarkdown(sampleReport()).includes('other versions'));
});

test('flakes show how many repeats ended each way, and whether the baseline explains them', t => {
	const report = {...sampleReport(), flakes: [
		{cellKey: 'softdep/arm/neon/unplug-under-load', outcomes: ['{"a":1}', '{"a":2}'], counts: [19, 1], known: 'kernel race in __symbol_get'},
		{cellKey: 'weak/thumb2/neon/lib-first', outcomes: ['generic', 'arch'], counts: [2, 1]},
	]};
	const md = renderMarkdown(report);
	t.regex(md, /2 cell\(s\) ended differently across repeats; 1 of them only in ways the baseline records/);
	t.true(md.includes('| softdep/arm/neon/unplug-under-load | 19×: {"a":1}<br>1×: {"a":2} | kernel race in __symbol_get |'));
	t.true(md.includes('| weak/thumb2/neon/lib-first | 2×: generic<br>1×: arch | no: unexplained flake |'));
});

test('a code fence outgrows backticks inside a diff', t => {
	const report = sampleReport();
	report.deviations[0]!.diff = ['- note: ```x```', '+ note: ````y````'];
	const md = renderMarkdown(report);
	t.true(md.includes('`````diff\n- note: ```x```\n+ note: ````y````\n`````'));
});

function fakeCell(scenario: string, verdict: Verdict | undefined, status: 'completed' | 'error' = 'completed'): CellResult {
	return {
		id: {design: 'weak', profile: 'p', cpu: 'c', scenario}, cellKey: `weak/p/c/${scenario}`, status, bootMs: 0, durationMs: 0,
		cpuFeatures: [], neonInCpuinfo: false, steps: [], modulesAtEnd: [], kallsymsArch: {present: false, owner: undefined},
		probes: [], tainted: '0', kernelLogOfInterest: [], logDir: '', outcome: {},
		claims: verdict === undefined ? [] : [{claim: 'C1', verdict, evidence: ''}],
	};
}

const summarises = test.macro<[(Verdict | undefined | 'error')[], number, string]>({
	exec(t, verdicts, notRun, expected) {
		const cells = verdicts.map((v, i) => (v === 'error' ? fakeCell(`s${i}`, undefined, 'error') : fakeCell(`s${i}`, v)));
		t.is(summarizeVerdicts('C1', cells, notRun).text, expected);
	},
	title: (_provided, verdicts, notRun, expected) => `[${verdicts.map(v => v ?? 'no verdict').join(', ')}] + ${notRun} not run → ${expected}`,
});
test(summarises, ['holds', 'holds', 'holds'], 0, 'holds 3/3');
test(summarises, ['holds', 'fails', 'n/a'], 0, 'FAILS 1/2 (s1)');
test(summarises, ['fails', 'fails'], 0, 'FAILS 2/2 (s0, s1)');
test(summarises, ['n/a', undefined], 0, 'n/a');
test(summarises, ['error', 'error'], 0, 'not evaluated');
test(summarises, [], 2, 'not run');
test(summarises, [], 0, 'n/a');
test(summarises, ['holds', 'error'], 1, 'holds 1/1; 1 not evaluated; 1 not run');

// The header names every kernel the cells ran on, with the release a guest reported; the per-configuration
// columns come from the cells (a run on 6.12 only has no default-kernel column).
test('header lists the kernels of the cells; configuration columns are those that ran', t => {
	const report = sampleReport();
	const moved = report.cells.filter(c => c.id.profile === 'thumb2').map(c => ({
		...c,
		id: {...c.id, kernel: '6.12'},
		cellKey: c.cellKey.replace('/thumb2/', '/thumb2@6.12/'),
		guest: {kernel: 'Linux version 6.12.117 (kplug@kplug) (gcc)', kmod: 'kmod version 30'},
	}));
	const md = renderMarkdown({...report, cells: moved, notRun: [], pairClaims: []});
	t.regex(md, /^- Kernels: 6\.12 \(6\.12\.117\)$/m);
	t.regex(renderMarkdown(report), /^- Kernels: 6\.1$/m, 'no guest version read: the id alone');
	t.notRegex(md, /^- Userlands:/m, 'every cell on the default userland: no userland line');
	const header = tableAfter(md, '## Claims × configurations').length ? md.split('\n').find(l => l.startsWith('| Claim | ') && l.includes('@6.12')) : undefined;
	t.truthy(header);
	t.false(/\| [a-z-]+\/thumb2\/(neon|noneon) \|/.test(header ?? ''), header);
});

test('header lists the userlands with the kmod a guest reported when a cell ran on another; rows keep a stable order', t => {
	const report = sampleReport();
	const thumb2 = report.cells.filter(c => c.id.profile === 'thumb2');
	const trixie = thumb2.map(c => ({
		...c,
		id: {...c.id, userland: 'trixie'},
		cellKey: c.cellKey.replace('/thumb2/', '/thumb2+trixie/'),
		guest: {kernel: 'Linux version 6.1.176', kmod: 'kmod version 34.2'},
	}));
	const bookworm = thumb2.map(c => ({...c, guest: {kernel: 'Linux version 6.1.176', kmod: 'kmod version 30'}}));
	const md = renderMarkdown({...report, cells: [...trixie, ...bookworm], notRun: [], pairClaims: []});
	t.regex(md, /^- Userlands: (trixie \(kmod 34\.2\), bookworm \(kmod 30\)|bookworm \(kmod 30\), trixie \(kmod 34\.2\))$/m);
	// Whichever cells come first in the report, the configuration columns are in one order.
	const swapped = renderMarkdown({...report, cells: [...bookworm, ...trixie], notRun: [], pairClaims: []});
	const columns = (text: string): string | undefined => text.split('\n').find(l => l.startsWith('| Claim | ') && l.includes('/neon'));
	t.regex(columns(md) ?? '', /\| mainline\/thumb2\/neon \| mainline\/thumb2\/noneon \| mainline\/thumb2\+trixie\/neon \| mainline\/thumb2\+trixie\/noneon \|/);
	t.is(columns(md), columns(swapped));
});
