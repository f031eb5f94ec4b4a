import test from 'ava';
import {withinBootFigure} from '../../../harness/memory/within-boot-stats.ts';
import type {Block} from '../../../harness/report/blocks.ts';
import {renderHtml} from '../../../harness/report/html.ts';
import {renderJunit} from '../../../harness/report/junit.ts';
import {renderMarkdown} from '../../../harness/report/markdown.ts';
import {memoryBlocks, residentBars} from '../../../harness/report/memory-sections.ts';
import type {MemoryReport, MemoryRow, WithinBootReport} from '../../../harness/report/schema.ts';
import {sampleReport} from './_sample-report.ts';

const refusedNote = 'insmod arch: insmod: ERROR: could not insert module /lib/modules/6.1.176/kernel/kplug/curve25519-neon.ko: No such device';
const loaded = (design: string, cpu: string, extra: Partial<MemoryRow> = {}): MemoryRow => ({
	design, profile: 'thumb2', cpu, situation: 'loaded', archResident: true, archCoreSize: 9404, archInitSize: 0, archVmallocBytes: 16384, archVmallocPages: 3, memAvailableMedianKb: 213000, boots: 5, ...extra,
});
const zero = [[24, 24, 24], [24, 24, 24]].map(([before = 0, afterInsert = 0, afterRemove = 0]) => ({before, afterInsert, afterRemove}));
const within = (design: string, cpu: string, kb: number, resident: boolean): WithinBootReport => ({
	design, profile: 'thumb2', cpu, rounds: 2, residentRounds: resident ? 2 : 0, settleReadsMax: 1,
	...(resident ? {exact: {coreSize: 9404, initSize: 0, procModulesSize: 9404, vmallocPages: 3, vmallocBytes: 16384}} : {refused: 'No such device'}),
	figures: [withinBootFigure(zero.map(m => ({...m, afterInsert: m.afterInsert + kb})), zero, {field: 'VmallocUsed'})],
});

const memory: MemoryReport = {
	rows: [
		loaded('mainline', 'noneon'),
		loaded('weak', 'neon'),
		loaded('weak', 'noneon', {situation: 'loaded (refused)', archResident: false, archCoreSize: undefined, archVmallocBytes: undefined, archVmallocPages: undefined, notes: [refusedNote]}),
		// Interrupted: two boots finished, three never ran.
		loaded('softdep', 'neon', {boots: 2, bootsNotRun: 3}),
		loaded('softdep', 'noneon', {boots: 0, bootsNotRun: 5, archResident: false, archCoreSize: undefined, archVmallocBytes: undefined, archVmallocPages: undefined, memAvailableMedianKb: undefined}),
	],
	comparisons: [],
	withinBoot: [within('mainline', 'noneon', 12, true), within('weak', 'noneon', 0, false), within('static-call', 'noneon', 0, false)],
	withinBootNotRun: [{design: 'softdep', profile: 'thumb2', cpu: 'noneon'}],
};

test('resident bars: 3 pages where the module stayed, 0 B with the kernel\'s refusal, within-boot where no boots, not run where interrupted', t => {
	const bars = residentBars(memory);
	const byKey = new Map(bars.map(b => [`${b.design}/${b.cpu}`, b]));
	t.like(byKey.get('mainline/noneon'), {neon: false, pages: 3, moduleBytes: 9404, withinBoot: {kb: 12, noiseFloorKb: 0}});
	t.like(byKey.get('weak/noneon'), {pages: 0, moduleBytes: 0, note: 'insmod refused: No such device', withinBoot: {kb: 0, noiseFloorKb: 0}});
	t.like(byKey.get('static-call/noneon'), {pages: 0, note: 'insmod refused: No such device'});
	t.like(byKey.get('softdep/neon'), {pages: 3});
	t.like(byKey.get('softdep/noneon'), {pages: undefined, note: 'not run'});
	t.is(bars.length, 6);
});

test('report: the chart first, then the within-boot table beside the exact readings, interrupted work as not run', t => {
	const report = {...sampleReport(), memory};
	const blocks = memoryBlocks(report);
	t.is(blocks[2]?.kind, 'memory-chart');
	const table = blocks.find((b): b is Extract<Block, {kind: 'table'}> => b.kind === 'table' && b.header.includes('VmallocUsed Δ (kB)'))!;
	const rows = table.rows.map(r => r.map(c => c.text));
	t.deepEqual(rows.map(r => r[0]), ['mainline/thumb2/noneon', 'weak/thumb2/noneon', 'softdep/thumb2/noneon', 'static-call/thumb2/noneon']);
	t.regex(rows[0]![1]!, /^coresize 9404 \+ initsize 0 B; \/proc\/modules 9404 B; vmallocinfo 3 pages/);
	t.is(rows[0]![2], '+12 kB\nnoise floor 0 kB: sees 12 kB');
	t.is(rows[1]![1], 'not resident (insmod refused: No such device)\n0 of 2 insert rounds resident');
	t.deepEqual(table.rows[2]!.slice(0, 2), [{text: 'softdep/thumb2/noneon'}, {text: 'not run', tone: 'skipped'}]);
	const md = renderMarkdown(report);
	t.true(md.includes('| weak | noneon (without NEON) | thumb2 | 0 B: not resident (insmod refused: No such device) | 0 kB (noise floor 0 kB) |'));
	t.true(md.includes('| softdep/thumb2/neon | loaded | yes | 9404 | 0 | 16384 (3) | 213000 | — | 2 of 5 (3 not run) |'));
	t.true(md.includes('| softdep/thumb2/noneon | loaded | — | — | 0 | — | — | — | not run |'));
	t.true(md.includes('softdep/thumb2/noneon: the \'loaded\' situation was not run'));
	t.true(renderHtml(report).includes('<td class="skipped">not run</td>'));
});

test('vector cells not run: listed as not run in the tables and as skipped test cases, never as errors', t => {
	const report = {...sampleReport(), vectorsNotRun: [{design: 'weak', profile: 'thumb2', cpu: 'noneon'}]};
	const md = renderMarkdown(report);
	t.true(md.includes('| weak/thumb2/noneon | not run | — | — | — | — | — | — | — |'));
	t.true(md.includes('1 vector cell was not run (the run was interrupted): weak/thumb2/noneon.'));
	const xml = renderJunit(report);
	t.true(xml.includes('<testcase classname="kplug.vectors" name="weak/thumb2/noneon" time="0.000">\n      <skipped message="not run"/>'));
	t.regex(xml, /<testsuite name="vectors" tests="5" failures="1" errors="0" skipped="1"/);
});
