import test from 'ava';
import type {ResidentBar} from '../../../harness/report/blocks.ts';
import {residentChart, residentLabel} from '../../../harness/report/svg-chart.ts';
import {checkXml} from './_well-formed.ts';

function wellFormed(svg: string) {
	const {problems, elements} = checkXml(svg);
	if (problems.length > 0) throw new Error(problems.join('\n'));
	return elements;
}

function bar(design: string, cpu: 'neon' | 'noneon', pages: number | undefined, extra: Partial<ResidentBar> = {}): ResidentBar {
	return {design, profile: 'thumb2', cpu, neon: cpu === 'neon', pages, moduleBytes: pages ? 9404 : pages, ...extra};
}

// The shape of a full run: mainline keeps 3 pages on both CPUs; weak only where NEON is.
const recorded: ResidentBar[] = [
	bar('mainline', 'neon', 3, {withinBoot: {kb: 12, noiseFloorKb: 0}}),
	bar('mainline', 'noneon', 3, {withinBoot: {kb: 12, noiseFloorKb: 0}}),
	bar('weak', 'neon', 3, {withinBoot: {kb: 12, noiseFloorKb: 0}}),
	bar('weak', 'noneon', 0, {note: 'insmod refused: No such device', withinBoot: {kb: 0, noiseFloorKb: 0}}),
];

test('one standalone, well-formed svg: a bar per resident configuration, 0 B written out, a diamond per within-boot reading', t => {
	const svg = residentChart(recorded);
	const elements = wellFormed(svg);
	t.is(elements[0]?.name, 'svg');
	t.is(elements[0]?.attrs['xmlns'], 'http://www.w3.org/2000/svg');
	t.is(elements[1]?.name, 'title');
	t.is(elements.filter(e => e.attrs['class'] === 'bar resident').length, 3);
	t.is(elements.filter(e => e.attrs['class'] === 'within').length, 4);
	const values = elements.filter(e => e.attrs['class'] === 'value').map(e => e.text);
	t.deepEqual(values, ['12 KiB · 3 pages · module 9404 B', '12 KiB · 3 pages · module 9404 B', '12 KiB · 3 pages · module 9404 B', '0 B: not resident (insmod refused: No such device)']);
	const texts = elements.filter(e => e.name === 'text').map(e => e.text);
	t.true(texts.includes('mainline') && texts.includes('weak'), 'one group per design');
	t.true(texts.includes('without NEON · thumb2'));
	t.true(texts.includes('12 KiB'), 'the grid is in pages');
	t.false(svg.includes('NaN'));
});

test('bar widths are proportional to the pages, and the diamond sits where the within-boot kB say', t => {
	const elements = wellFormed(residentChart([bar('a', 'neon', 1), bar('b', 'neon', 2), bar('c', 'neon', 4, {withinBoot: {kb: 8, noiseFloorKb: 0}})]));
	const widths = elements.filter(e => e.attrs['class'] === 'bar resident').map(e => Number(e.attrs['width']));
	t.is(widths.length, 3);
	t.true(Math.abs(widths[1]! - widths[0]! * 2) <= 0.2, widths.join(', '));
	t.true(Math.abs(widths[2]! - widths[0]! * 4) <= 0.2, widths.join(', '));
	const x0 = Number(elements.find(e => e.attrs['class'] === 'bar resident')!.attrs['x']);
	const diamond = elements.find(e => e.attrs['class'] === 'within')!.attrs['d']!;
	const cx = Number(/^M([\d.]+) /.exec(diamond)![1]);
	t.true(Math.abs(cx - (x0 + widths[1]!)) <= 0.2, `8 kB is two pages: ${cx} vs ${x0 + widths[1]!}`);
});

test('not measured and not run configurations are words in grey, not bars, and do not stretch the scale', t => {
	const elements = wellFormed(residentChart([bar('a', 'neon', 3), bar('a', 'noneon', undefined, {note: 'not run'}), bar('b', 'neon', undefined)]));
	t.is(elements.filter(e => e.attrs['class'] === 'bar resident').length, 1);
	t.deepEqual(elements.filter(e => e.attrs['data-missing'] === 'true').map(e => e.text), ['not run', 'not measured']);
});

test('labels are escaped and odd names do not break the drawing', t => {
	const svg = residentChart([bar('<&"x">', 'neon', 3, {note: 'a<b'}), {...bar('y', 'neon', 1), neon: undefined, cpu: 'odd&cpu'}]);
	const elements = wellFormed(svg);
	t.true(elements.some(e => e.text.startsWith('&lt;&amp;')), 'the design name, escaped');
	t.true(elements.some(e => e.text === 'odd&amp;cpu · thumb2'));
	t.false(svg.includes('<&'));
	t.false(svg.includes('Infinity'));
});

test('residentLabel: pages, one page, zero and missing', t => {
	t.is(residentLabel(bar('a', 'neon', 1)), '4 KiB · 1 page · module 9404 B');
	t.is(residentLabel(bar('a', 'noneon', 0)), '0 B: not resident');
	t.is(residentLabel(bar('a', 'noneon', undefined)), 'not measured');
});

test('empty input gives a small "no memory measurements" svg', t => {
	const elements = wellFormed(residentChart([]));
	t.true(elements.some(e => e.name === 'text' && e.text === 'no memory measurements'));
	t.false(elements.some(e => e.name === 'rect'));
});
