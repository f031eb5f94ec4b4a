// Just enough PNG for the README's screenshot: read the size from IHDR, decode Chromium's 8-bit RGB(A)
// output, and write it again with a 256-colour palette. A page of text has about a thousand colours,
// almost all of them anti-aliasing shades; the palette keeps the most frequent 256 and maps the rest to
// the nearest, which takes the 1400 px screenshot from ~300 KB to ~120 KB without a native image tool.
import {crc32, deflateSync, inflateSync} from 'node:zlib';

export const pngSignature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface PngSize {
	width: number;
	height: number;
	bitDepth: number;
	colorType: number;
	interlace: number;
}

export interface RgbImage {
	width: number;
	height: number;
	// 3 bytes a pixel, row after row.
	rgb: Uint8Array;
}

function* chunks(png: Uint8Array): Generator<{type: string; data: Buffer}> {
	const buf = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
	if (buf.length < 8 || !buf.subarray(0, 8).equals(pngSignature)) throw new Error('not a PNG (no PNG signature)');
	for (let at = 8; at + 12 <= buf.length; ) {
		const length = buf.readUInt32BE(at);
		const type = buf.toString('latin1', at + 4, at + 8);
		if (at + 12 + length > buf.length) throw new Error(`PNG chunk ${type} runs past the end of the file`);
		const data = buf.subarray(at + 8, at + 8 + length);
		if ((crc32(buf.subarray(at + 4, at + 8 + length)) >>> 0) !== buf.readUInt32BE(at + 8 + length)) throw new Error(`PNG chunk ${type}: CRC mismatch`);
		yield {type, data};
		at += 12 + length;
	}
}

// The image header: the first chunk of every PNG.
export function pngSize(png: Uint8Array): PngSize {
	const first = chunks(png).next();
	if (first.done || first.value.type !== 'IHDR' || first.value.data.length !== 13) throw new Error('PNG without an IHDR chunk first');
	const ihdr = first.value.data;
	return {width: ihdr.readUInt32BE(0), height: ihdr.readUInt32BE(4), bitDepth: ihdr[8]!, colorType: ihdr[9]!, interlace: ihdr[12]!};
}

function paeth(a: number, b: number, c: number): number {
	const p = a + b - c;
	const pa = Math.abs(p - a);
	const pb = Math.abs(p - b);
	const pc = Math.abs(p - c);
	return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

// Undo the per-row filters (none, sub, up, average, paeth) of `height` rows of `stride` bytes.
export function unfilter(raw: Uint8Array, height: number, stride: number, bpp: number): Uint8Array {
	const out = new Uint8Array(height * stride);
	for (let y = 0; y < height; y++) {
		const filter = raw[y * (stride + 1)]!;
		const row = y * stride;
		for (let x = 0; x < stride; x++) {
			const value = raw[y * (stride + 1) + 1 + x]!;
			const a = x >= bpp ? out[row + x - bpp]! : 0;
			const b = y > 0 ? out[row - stride + x]! : 0;
			const c = x >= bpp && y > 0 ? out[row - stride + x - bpp]! : 0;
			const predictor = [0, a, b, (a + b) >> 1, paeth(a, b, c)][filter];
			if (predictor === undefined) throw new Error(`PNG row ${y}: unknown filter ${filter}`);
			out[row + x] = (value + predictor) & 0xff;
		}
	}
	return out;
}

// Decode a non-interlaced 8-bit RGB or RGBA PNG (what Chromium's --screenshot writes; alpha is dropped).
export function decodeRgb(png: Uint8Array): RgbImage {
	const {width, height, bitDepth, colorType, interlace} = pngSize(png);
	const bpp = colorType === 2 ? 3 : colorType === 6 ? 4 : 0;
	if (bitDepth !== 8 || bpp === 0 || interlace !== 0) throw new Error(`unsupported PNG: bit depth ${bitDepth}, colour type ${colorType}, interlace ${interlace}`);
	const idat = Buffer.concat([...chunks(png)].filter(c => c.type === 'IDAT').map(c => c.data));
	const pixels = unfilter(inflateSync(idat), height, width * bpp, bpp);
	const rgb = new Uint8Array(width * height * 3);
	for (let i = 0, j = 0; i < rgb.length; i += 3, j += bpp) rgb.set(pixels.subarray(j, j + 3), i);
	return {width, height, rgb};
}

// One chunk: length, type, data, CRC.
export function pngChunk(type: string, data: Uint8Array): Buffer {
	const head = Buffer.alloc(8);
	head.writeUInt32BE(data.length, 0);
	head.write(type, 4, 'latin1');
	const crc = Buffer.alloc(4);
	crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
	return Buffer.concat([head, data, crc]);
}

// The 256 most frequent colours (ties: the first seen), and each pixel's nearest of them.
export function quantize(image: RgbImage, size = 256): {palette: number[]; indices: Uint8Array} {
	const counts = new Map<number, number>();
	for (let i = 0; i < image.rgb.length; i += 3) {
		const colour = (image.rgb[i]! << 16) | (image.rgb[i + 1]! << 8) | image.rgb[i + 2]!;
		counts.set(colour, (counts.get(colour) ?? 0) + 1);
	}
	const palette = [...counts.entries()].sort((p, q) => q[1] - p[1]).slice(0, size).map(([colour]) => colour);
	const channel = (colour: number, shift: number): number => (colour >> shift) & 0xff;
	const nearest = new Map<number, number>();
	for (const colour of counts.keys()) {
		let best = 0;
		let bestDistance = Infinity;
		palette.forEach((p, index) => {
			const d = [16, 8, 0].reduce((sum, s) => sum + (channel(colour, s) - channel(p, s)) ** 2, 0);
			if (d < bestDistance) [best, bestDistance] = [index, d];
		});
		nearest.set(colour, best);
	}
	const indices = new Uint8Array(image.width * image.height);
	for (let i = 0; i < indices.length; i++) {
		indices[i] = nearest.get((image.rgb[i * 3]! << 16) | (image.rgb[i * 3 + 1]! << 8) | image.rgb[i * 3 + 2]!)!;
	}
	return {palette, indices};
}

// An 8-bit palette PNG of the image (unfiltered rows, as libpng advises for palette images), with
// optional tEXt entries (Latin-1 keyword → text).
export function encodePalettePng(image: RgbImage, text: Record<string, string> = {}): Buffer {
	const {palette, indices} = quantize(image);
	const ihdr = Buffer.alloc(13);
	ihdr.writeUInt32BE(image.width, 0);
	ihdr.writeUInt32BE(image.height, 4);
	ihdr.set([8, 3, 0, 0, 0], 8);
	const rows = Buffer.alloc(image.height * (image.width + 1));
	for (let y = 0; y < image.height; y++) rows.set(indices.subarray(y * image.width, (y + 1) * image.width), y * (image.width + 1) + 1);
	const plte = Buffer.from(palette.flatMap(c => [(c >> 16) & 0xff, (c >> 8) & 0xff, c & 0xff]));
	const texts = Object.entries(text).map(([keyword, value]) => pngChunk('tEXt', Buffer.from(`${keyword}\0${value}`, 'latin1')));
	return Buffer.concat([pngSignature, pngChunk('IHDR', ihdr), pngChunk('PLTE', plte), ...texts, pngChunk('IDAT', deflateSync(rows, {level: 9})), pngChunk('IEND', new Uint8Array(0))]);
}

// The tEXt entries of a PNG.
export function pngText(png: Uint8Array): Record<string, string> {
	const entries: Record<string, string> = {};
	for (const {type, data} of chunks(png)) {
		if (type !== 'tEXt') continue;
		const nul = data.indexOf(0);
		if (nul > 0) entries[data.toString('latin1', 0, nul)] = data.toString('latin1', nul + 1);
	}
	return entries;
}
