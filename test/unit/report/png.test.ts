import test from 'ava';
import {deflateSync} from 'node:zlib';
import {decodeRgb, encodePalettePng, pngChunk, pngSignature, pngSize, pngText, quantize, unfilter} from '../../../harness/report/png.ts';

// Filter one row the way an encoder would (the inverse of what unfilter undoes).
function filterRow(filter: number, row: number[], previous: number[], bpp: number): number[] {
	return row.map((value, x) => {
		const a = x >= bpp ? row[x - bpp]! : 0;
		const b = previous[x] ?? 0;
		const c = x >= bpp ? previous[x - bpp] ?? 0 : 0;
		const p = a + b - c;
		const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
		return (value - [0, a, b, (a + b) >> 1, paeth][filter]! + 256) & 0xff;
	});
}

// An RGB PNG whose rows use filters 0..4 in turn, as Chromium's encoder may.
function rgbPng(width: number, rows: number[][]): Buffer {
	const filtered = rows.flatMap((row, y) => [y % 5, ...filterRow(y % 5, row, rows[y - 1] ?? [], 3)]);
	const ihdr = Buffer.alloc(13);
	ihdr.writeUInt32BE(width, 0);
	ihdr.writeUInt32BE(rows.length, 4);
	ihdr.set([8, 2, 0, 0, 0], 8);
	return Buffer.concat([pngSignature, pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(Buffer.from(filtered))), pngChunk('IEND', new Uint8Array(0))]);
}

const width = 4;
const rows = Array.from({length: 6}, (_, y) => Array.from({length: width * 3}, (_, x) => (x * 37 + y * 91 + ((x * y) % 7) * 13) & 0xff));

test('decodeRgb undoes all five row filters (none, sub, up, average, paeth)', t => {
	const png = rgbPng(width, rows);
	t.deepEqual(pngSize(png), {width, height: 6, bitDepth: 8, colorType: 2, interlace: 0});
	t.deepEqual([...decodeRgb(png).rgb], rows.flat());
});

test('unfilter rejects an unknown filter type', t => {
	t.throws(() => unfilter(new Uint8Array([7, 1, 2, 3]), 1, 3, 3), {message: 'PNG row 0: unknown filter 7'});
});

test('palette PNG: up to 256 colours round-trip exactly; text entries are kept', t => {
	const image = {width, height: 6, rgb: Uint8Array.from(rows.flat())};
	const png = encodePalettePng(image, {'kplug-verdicts': 'sha256:abc'});
	t.like(pngSize(png), {width, height: 6, bitDepth: 8, colorType: 3});
	t.deepEqual(pngText(png), {'kplug-verdicts': 'sha256:abc'});
	const {palette, indices} = quantize(image);
	const back = [...indices].flatMap(i => [(palette[i]! >> 16) & 0xff, (palette[i]! >> 8) & 0xff, palette[i]! & 0xff]);
	t.deepEqual(back, rows.flat());
});

test('quantize keeps the most frequent colours and maps a rare one to the nearest', t => {
	// 3 pixels of black, 2 of white, 1 of near-black: a palette of 2 maps near-black to black.
	const rgb = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255, 255, 10, 12, 9]);
	const {palette, indices} = quantize({width: 6, height: 1, rgb}, 2);
	t.deepEqual(palette, [0x000000, 0xffffff]);
	t.deepEqual([...indices], [0, 0, 0, 1, 1, 0]);
});

test('pngSize rejects what is not a PNG', t => {
	t.throws(() => pngSize(Buffer.from('GIF89a')), {message: 'not a PNG (no PNG signature)'});
});
