// Inline SVG bar charts of the memory measurements for report.html: generated text, no scripts, no assets.
import {configKey, num} from './blocks.ts';
import {escapeXml} from './escape.ts';
import type {MemoryComparison, MemoryRow} from './schema.ts';

const svgNs = 'http://www.w3.org/2000/svg';
const font = 'font-family="system-ui, sans-serif"';
const slot = 46;
const barWidth = 26;
const right = 24;
const plotHeight = 160;
const panelGap = 28;
const title = 'Memory: arch module size and MemAvailable difference';
const legend = ['Dashed lines: ± noise floor. Red: difference above the noise floor; grey: within it.', 'Guest measured under TCG emulation.'];

interface Bar {
	label: string;
	value: number | undefined;
	tip: string;
	className: string;
	fill: string;
	// Draw ±noise dashes over this bar.
	noise?: number;
}

interface Panel {
	title: string;
	axis: string;
	bars: Bar[];
	signed: boolean;
}

interface Layout {
	// Left margin: room for tick labels and for the first bar's slanted label.
	left: number;
	width: number;
}

// A generous estimate of rendered text width (no font metrics without a browser).
function textWidth(content: string, size: number): number {
	return content.length * size * 0.62;
}

// Labels are rotated by 45°, so they reach sideways and down by about 0.71 of their length.
function labelReach(panel: Panel): number {
	return Math.ceil(0.71 * Math.max(0, ...panel.bars.map(b => textWidth(b.label, 10))));
}

function layout(panels: readonly Panel[]): Layout {
	const reach = Math.max(0, ...panels.map(labelReach));
	const left = Math.max(84, reach - slot / 2 + 8);
	const bars = Math.max(1, ...panels.map(p => p.bars.length));
	const width = Math.ceil(Math.max(
		left + bars * slot + right,
		textWidth(title, 15) + 20,
		...panels.map(p => left + textWidth(p.title, 13) + 10),
		...legend.map(line => textWidth(line, 10) + 20),
	));
	return {left, width};
}

function svgOpen(width: number, height: number, label: string): string {
	return (
		`<svg xmlns="${svgNs}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(label)}">` +
		`<title>${escapeXml(label)}</title>`
	);
}

function text(x: number, y: number, content: string, attrs = ''): string {
	return `<text x="${r(x)}" y="${r(y)}" ${font} ${attrs}>${escapeXml(content)}</text>`;
}

function r(value: number): string {
	return String(Math.round(value * 10) / 10);
}

function panelHeight(panel: Panel): number {
	return 26 + plotHeight + labelReach(panel) + 24;
}

function panelSvg(panel: Panel, top: number, l: Layout): string {
	const {left} = l;
	const plotTop = top + 26;
	const plotBottom = plotTop + plotHeight;
	const values = panel.bars.map(b => b.value ?? 0);
	const noises = panel.bars.map(b => b.noise ?? 0);
	const low = panel.signed ? Math.min(0, ...values, ...noises.map(n => -n)) : 0;
	let high = Math.max(0, ...values, ...noises);
	if (high === low) high = low + 1;
	// Headroom so value labels above (or below) the longest bar stay inside the plot.
	const pad = (high - low) * 0.1;
	const plotMax = high + pad;
	const plotMin = low < 0 ? low - pad : low;
	const y = (v: number): number => plotTop + ((plotMax - v) / (plotMax - plotMin)) * plotHeight;
	const axisEnd = left + Math.max(1, panel.bars.length) * slot;
	const out: string[] = [text(left, top + 14, panel.title, 'font-size="13" font-weight="bold"')];
	out.push(`<line x1="${left}" y1="${plotTop}" x2="${left}" y2="${plotBottom}" stroke="#333"/>`);
	out.push(`<line x1="${left}" y1="${r(y(0))}" x2="${axisEnd}" y2="${r(y(0))}" stroke="#333"/>`);
	for (const tick of [...new Set([low, 0, high, panel.signed ? 0 : high / 2])]) {
		out.push(`<line x1="${left - 4}" y1="${r(y(tick))}" x2="${left}" y2="${r(y(tick))}" stroke="#333"/>`);
		out.push(text(left - 6, y(tick) + 4, num(tick, 0), 'font-size="10" text-anchor="end"'));
	}
	const middle = (plotTop + plotBottom) / 2;
	out.push(text(14, middle, panel.axis, `font-size="11" text-anchor="middle" transform="rotate(-90 14 ${r(middle)})"`));
	if (panel.bars.length === 0) out.push(text(left + 12, middle, 'no data', 'font-size="11" fill="#777"'));
	panel.bars.forEach((bar, i) => {
		const cx = left + i * slot + slot / 2;
		const x = cx - barWidth / 2;
		const v = bar.value ?? 0;
		const barTop = Math.min(y(v), y(0));
		const height = Math.abs(y(v) - y(0));
		out.push(
			`<rect class="${bar.className}" x="${r(x)}" y="${r(barTop)}" width="${barWidth}" height="${r(height)}" fill="${bar.fill}"${bar.value === undefined ? ' data-missing="true"' : ''}>` +
				`<title>${escapeXml(bar.tip)}</title></rect>`,
		);
		const valueY = v >= 0 ? barTop - 4 : barTop + height + 11;
		out.push(text(cx, valueY, bar.value === undefined ? 'n/a' : num(bar.value, 0), 'font-size="9" text-anchor="middle"'));
		if (bar.noise !== undefined) {
			for (const edge of [bar.noise, -bar.noise]) {
				out.push(`<line class="noise" x1="${r(x - 5)}" y1="${r(y(edge))}" x2="${r(x + barWidth + 5)}" y2="${r(y(edge))}" stroke="#222" stroke-dasharray="3 2"/>`);
			}
		}
		const labelY = plotBottom + 14;
		out.push(text(cx, labelY, bar.label, `font-size="10" text-anchor="end" transform="rotate(-45 ${r(cx)} ${r(labelY)})"`));
	});
	return out.join('');
}

function emptyChart(): string {
	return `${svgOpen(260, 40, 'Memory')}${text(10, 24, 'no memory measurements', 'font-size="12" fill="#555"')}</svg>`;
}

// Bars of the arch module's core size per memory row and MemAvailable difference (with ±noise floor) per configuration.
export function memoryBarChart(rows: readonly MemoryRow[], comparisons: readonly MemoryComparison[]): string {
	const diffs = comparisons.filter(c => /memavailable/i.test(c.field));
	if (rows.length === 0 && diffs.length === 0) return emptyChart();
	const core: Panel = {
		title: 'curve25519_neon core size',
		axis: 'bytes',
		signed: false,
		bars: rows.map(row => ({
			label: `${configKey(row)} · ${row.situation}`,
			value: row.archCoreSize,
			tip: `${configKey(row)} (${row.situation}): ${row.archCoreSize === undefined ? 'arch module not resident' : `${row.archCoreSize} bytes`}`,
			className: 'bar core',
			fill: '#4a78b5',
		})),
	};
	const available: Panel = {
		title: 'MemAvailable difference, with − without the arch module',
		axis: 'kB (median)',
		signed: true,
		bars: diffs.map(c => ({
			label: configKey(c),
			value: c.differenceKb,
			tip: `${configKey(c)}: ${c.differenceKb} kB, noise floor ±${c.noiseFloorKb} kB — ${c.statement}`,
			className: 'bar diff',
			fill: c.aboveNoise ? '#c0392b' : '#95a5a6',
			noise: c.noiseFloorKb,
		})),
	};
	const l = layout([core, available]);
	const secondTop = 34 + panelHeight(core) + panelGap;
	const height = secondTop + panelHeight(available) + 12 + 14 * legend.length;
	return [
		svgOpen(l.width, height, title),
		`<rect x="0" y="0" width="${l.width}" height="${height}" fill="#fff"/>`,
		text(10, 20, title, 'font-size="15" font-weight="bold"'),
		panelSvg(core, 34, l),
		panelSvg(available, secondTop, l),
		...legend.map((line, i) => text(10, height - 8 - 14 * (legend.length - 1 - i), line, 'font-size="10" fill="#444"')),
		'</svg>',
	].join('');
}
