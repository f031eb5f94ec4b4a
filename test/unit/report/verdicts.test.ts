import test from 'ava';
import {renderHtml} from '../../../harness/report/html.ts';
import {renderMarkdown} from '../../../harness/report/markdown.ts';
import {errnosIn, reasonsText, whereText} from '../../../harness/report/verdict-cell.ts';
import {recordedReport} from './_recorded-report.ts';

// The verdict table's rows as [claim, mainline, weak] texts, from the HTML.
function verdictRows(html: string): string[][] {
	const table = /<h2>Verdicts<\/h2>[\s\S]*?<table>([\s\S]*?)<\/table>/.exec(html)?.[1] ?? '';
	return [...table.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map(r => [...r[1]!.matchAll(/<t[dh][^>]*>([\s\S]*?)<\/t[dh]>/g)].map(c => c[1]!.replace(/<[^>]+>/g, '')));
}

test('recorded run: the verdict table comes first, claims written out, exceptions named, each verdict linked', t => {
	const html = renderHtml(recordedReport());
	const rows = verdictRows(html);
	t.deepEqual(rows[0], ['Claim', 'mainline', 'weak', 'softdep', 'static-call']);
	const c1 = rows.find(r => r[0]!.startsWith('C1: '))!;
	t.regex(c1[0]!, /^C1: Without the arch module, the library loads/);
	// The cause of the failures, not every errno their evidence quotes (modprobe's later ENODEV follows from it).
	t.is(c1[2], 'FAILS 4/12 cells — on thumb2-noplts: library unreachable (insmod lib: ENOEXEC)');
	t.is(c1[1], 'FAILS 12/12 cells — everywhere: library unreachable (insmod lib: ENOENT)');
	// Mixed causes, the most frequent first: mainline's blacklist is mostly ignored, not mostly an errno.
	const c2 = rows.find(r => r[0]!.startsWith('C2: '))!;
	t.is(c2[1], 'FAILS 30/30 cells — everywhere: 18 loaded despite the blacklist, 12 library unreachable (6 modprobe driver: EINVAL, 6 modprobe driver: EPERM)');
	const c4 = rows.find(r => r[0]!.startsWith('C4: '))!;
	t.deepEqual(c4.slice(1), ['holds in 27/27 cells', 'holds in 27/27 cells', 'holds in 27/27 cells', 'holds in 21/21 cells']);
	t.regex(html, /<td class="fails"><a href="cells\/weak__thumb2-noplts__neon__no-arch\/result\.json">FAILS 4\/12/);
	// Reading order: verdicts, findings, then everything else; the first table on the page is the verdict table.
	const at = (s: string): number => html.indexOf(s);
	t.true(at('<h2>Verdicts</h2>') < at('<table>') && at('<table>') < at('<h2>Findings</h2>'));
	t.true(at('<h2>Findings</h2>') < at('<h2>Claims × configurations</h2>'));
	t.true(at('<h2>Findings</h2>') < at('<details>'));
});

test('recorded run: per-configuration and per-scenario detail is collapsible, with a one-line gist', t => {
	const report = recordedReport();
	const html = renderHtml(report);
	const summaries = [...html.matchAll(/<details><summary>([^<]*)<\/summary>/g)].map(m => m[1]!);
	// One for the claims × configurations table and one per scenario.
	t.is(summaries.length, 1 + report.matrix.scenarios.length);
	t.regex(summaries[0]!, /^Per configuration: 24 design\/profile\/CPU columns/);
	t.true(summaries.includes('24 cells · FAILS: C1 in 8'), summaries.join('\n'));
	t.true(summaries.includes('24 cells · FAILS: C1 in 8, C3 in 4, C8 in 3'), summaries.join('\n'));
	t.true(summaries.includes('24 cells · FAILS: C3 in 6, C5b in 9, C8 in 3'), summaries.join('\n'));
	t.false(html.includes('<details open'), 'detail starts closed');
	// Every scenario table sits inside a <details>.
	const outside = html.replace(/<details>[\s\S]*?<\/details>/g, '');
	t.false(outside.includes('<th>Configuration</th>'));
	// The Markdown keeps the same collapsible sections (GitHub renders <details>).
	t.is((renderMarkdown(report).match(/^<details><summary>/gm) ?? []).length, summaries.length);
});

test('kernel log excerpts keep the modules\' lines and drop the rig\'s own', t => {
	const md = renderMarkdown(recordedReport());
	// The console's boot lines about the agent as PID 1 ("kernel:     /sbin/kplug-agent"), once per cell.
	t.false(/kernel:\s+\/sbin\/kplug-agent/.test(md));
	t.true(recordedReport().cells.some(c => c.kernelLogOfInterest.some(l => l.includes('/sbin/kplug-agent'))), 'the recorded run has such lines');
	t.regex(md, /kernel: curve25519_neon: CPU has no NEON/);
});

const where = test.macro<[string[], string[], string]>({
	exec: (t, failing, judged, expected) => t.is(whereText(failing, judged), expected),
	title: (_p, failing, judged, expected) => `whereText(${failing.join(' ')} of ${judged.join(' ')}) = ${expected}`,
});
test(where, ['thumb2-noplts/neon', 'thumb2-noplts/noneon'], ['thumb2/neon', 'thumb2-noplts/neon', 'thumb2-noplts/noneon'], 'thumb2-noplts');
test(where, ['thumb2/noneon'], ['thumb2/neon', 'thumb2/noneon'], 'thumb2/noneon');
test(where, ['arm/noneon', 'thumb2/noneon'], ['thumb2/noneon', 'arm/noneon'], 'thumb2/noneon, arm/noneon');

test('errnosIn: errno names, not "ERROR:", at most three, first seen first', t => {
	t.deepEqual(errnosIn(['insmod: ERROR: could not insert: ENOEXEC (exit 1)', 'EAGAIN then ENOEXEC', 'EPERM, EBUSY']), ['ENOEXEC', 'EAGAIN', 'EPERM']);
	t.deepEqual(errnosIn(['arch module LOADED']), []);
});

test('reasonsText: one cause alone, several ranked by count, the rest summed, errnos for verdicts without a reason', t => {
	const f = (reason: string | undefined, evidence = ''): {reason: string | undefined; evidence: string} => ({reason, evidence});
	t.is(reasonsText([f('loaded despite the blacklist'), f('loaded despite the blacklist')]), 'loaded despite the blacklist');
	t.is(reasonsText([f('b'), f('a'), f('a'), f('c'), f('d'), f('d'), f('d')]), '3 d, 2 a, 2 other');
	// One cause with its details: each detail counted, the two most frequent named.
	t.is(reasonsText([f('unreachable (x: E1)'), f('unreachable (y: E2)'), f('unreachable (y: E2)'), f('unreachable (z: E3)')]), 'unreachable (2 y: E2, 1 x: E1, …)');
	t.is(reasonsText([f('unreachable (x: E1)'), f('unreachable (x: E1)'), f('resident'), f('unreachable (y: E2)')]), '3 unreachable (2 x: E1, 1 y: E2), 1 resident');
	t.is(reasonsText([f('unplug refused (EAGAIN)')]), 'unplug refused (EAGAIN)');
	// A report written before reasons existed: grouped by the errnos each evidence quotes.
	t.is(reasonsText([f(undefined, 'insmod: ENOEXEC'), f(undefined, 'ENOEXEC'), f(undefined, 'arch module LOADED')]), '2 ENOEXEC, 1 see the evidence');
});
