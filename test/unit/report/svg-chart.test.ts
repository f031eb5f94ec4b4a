import test from 'ava';
import type {MemoryRow} from '../../../harness/report/schema.ts';
import {memoryBarChart} from '../../../harness/report/svg-chart.ts';
import {checkXml} from './_well-formed.ts';
import {sampleReport} from './_sample-report.ts';

function wellFormed(svg: string) {
	const {problems, elements} = checkXml(svg);
	if (problems.length > 0) throw new Error(problems.join('\n'));
	return elements;
}

function row(design: string, archCoreSize: number | undefined, situation = 'loaded'): MemoryRow {
	return {design, profile: 'thumb2', cpu: 'neon', situation, archResident: archCoreSize !== undefined, archCoreSize, archVmallocBytes: undefined, archVmallocPages: undefined, memAvailableMedianKb: 1000, boots: 3};
}

test('a standalone, well-formed svg with one bar per row and per MemAvailable comparison', t => {
	const {memory} = sampleReport();
	const svg = memoryBarChart(memory!.rows, memory!.comparisons);
	const elements = wellFormed(svg);
	t.is(elements[0]?.name, 'svg');
	t.is(elements[0]?.attrs['xmlns'], 'http://www.w3.org/2000/svg');
	t.is(elements.filter(e => e.name === 'rect' && e.attrs['class'] === 'bar core').length, 3);
	t.is(elements.filter(e => e.name === 'rect' && e.attrs['class'] === 'bar diff').length, 2);
	// Each comparison gets a +noise and a −noise marker.
	t.is(elements.filter(e => e.attrs['class'] === 'noise').length, 4);
	t.is(elements.filter(e => e.attrs['data-missing'] === 'true').length, 1);
	const texts = elements.filter(e => e.name === 'text').map(e => e.text);
	t.true(texts.includes('bytes'));
	t.true(texts.includes('kB (median)'));
	t.true(texts.includes('Memory: arch module size and MemAvailable difference'));
	t.is(elements[1]?.name, 'title');
	t.false(svg.includes('NaN'));
});

test('bar heights are proportional to the core size', t => {
	const svg = memoryBarChart([row('a', 1000), row('b', 2000), row('c', 500)], []);
	const elements = wellFormed(svg);
	const heights = elements.filter(e => e.attrs['class'] === 'bar core').map(e => Number(e.attrs['height']));
	t.is(heights.length, 3);
	t.true(heights[0]! > 0);
	// Coordinates are rounded to 0.1 px.
	t.true(Math.abs(heights[1]! - heights[0]! * 2) <= 0.2, `${heights.join(', ')}`);
	t.true(Math.abs(heights[2]! - heights[0]! / 2) <= 0.2, `${heights.join(', ')}`);
});

test('labels are escaped and odd values do not break the drawing', t => {
	const svg = memoryBarChart([row('<&"x">', 0, 'a<b'), row('y', undefined)], [
		{design: 'z', profile: 'p', cpu: 'c', field: 'MemAvailable', medianWithKb: 5, medianWithoutKb: 5, differenceKb: 0, noiseFloorKb: 0, aboveNoise: false, statement: '<none>'},
		{design: 'z', profile: 'p', cpu: 'c', field: 'SUnreclaim', medianWithKb: 5, medianWithoutKb: 1, differenceKb: 4, noiseFloorKb: 1, aboveNoise: true, statement: ''},
	]);
	const elements = wellFormed(svg);
	t.is(elements.filter(e => e.attrs['class'] === 'bar core').length, 2);
	t.is(elements.filter(e => e.attrs['class'] === 'bar diff').length, 1);
	t.false(svg.includes('NaN'));
	t.false(svg.includes('Infinity'));
});

test('empty input gives a small "no memory measurements" svg', t => {
	const svg = memoryBarChart([], []);
	const elements = wellFormed(svg);
	t.is(elements[0]?.attrs['xmlns'], 'http://www.w3.org/2000/svg');
	t.true(elements.some(e => e.name === 'text' && e.text === 'no memory measurements'));
	t.false(elements.some(e => e.name === 'rect'));
});
