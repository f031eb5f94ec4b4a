// The memory chart for report.html: arch code resident per design × CPU, as inline SVG (no scripts, no assets).
// Horizontal bars, one per design × profile × CPU, grouped by design, a grid line per 4 KiB page; a
// configuration where nothing stayed resident reads "0 B" in words, so it answers instead of looking empty.
import {num, type ResidentBar} from './blocks.ts';
import {escapeXml} from './escape.ts';

const svgNs = 'http://www.w3.org/2000/svg';
const font = 'font-family="system-ui, sans-serif"';
const page = 4096;
const width = 1000;
const labelWidth = 210;
const plotWidth = 330;
const rowHeight = 20;
const groupHeader = 24;
const top = 44;
const title = 'Arch code resident after insmod, per design × CPU';
const legend = [
	'Bars: pages backing curve25519_neon (/proc/vmallocinfo pages=, 4 KiB each); the label adds the module size (/sys/module coresize + initsize).',
	'Diamond: the VmallocUsed change on insert within one boot (median of the rounds). Blue: CPU with NEON; orange: without. Guest under TCG.',
];
const colours = {neon: '#4a78b5', noneon: '#e08e2b', unknown: '#7f8c8d'};

function svgOpen(w: number, h: number, label: string): string {
	return `<svg xmlns="${svgNs}" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="${escapeXml(label)}"><title>${escapeXml(label)}</title>`;
}

function text(x: number, y: number, content: string, attrs = ''): string {
	return `<text x="${r(x)}" y="${r(y)}" ${font} ${attrs}>${escapeXml(content)}</text>`;
}

function r(value: number): string {
	return String(Math.round(value * 10) / 10);
}

function kib(bytes: number): string {
	return `${num(bytes / 1024)} KiB`;
}

function cpuLabel(bar: ResidentBar): string {
	const what = bar.neon === undefined ? bar.cpu : bar.neon ? 'with NEON' : 'without NEON';
	return `${what} · ${bar.profile}`;
}

// The words after a bar: what is resident, or why nothing is.
export function residentLabel(bar: ResidentBar): string {
	if (bar.pages === undefined) return bar.note ?? 'not measured';
	if (bar.pages === 0) return `0 B: not resident${bar.note ? ` (${bar.note})` : ''}`;
	const size = bar.moduleBytes ? ` · ${bar.insideModule ? `NEON core ${bar.moduleBytes} B inside ${bar.insideModule}` : `module ${bar.moduleBytes} B`}` : '';
	return `${kib(bar.pages * page)} · ${bar.pages} page${bar.pages === 1 ? '' : 's'}${size}${bar.note ? ` (${bar.note})` : ''}`;
}

function tip(bar: ResidentBar): string {
	const within = bar.withinBoot ? `; within one boot VmallocUsed moved ${bar.withinBoot.kb} kB on insert (control noise floor ${bar.withinBoot.noiseFloorKb ?? '?'} kB)` : '';
	return `${bar.design} · ${bar.cpu} · ${bar.profile}: ${residentLabel(bar)}${within}`;
}

function emptyChart(): string {
	return `${svgOpen(260, 40, 'Memory')}${text(10, 24, 'no memory measurements', 'font-size="12" fill="#555"')}</svg>`;
}

// One chart: bytes and pages of arch code resident per design × CPU (× profile), with the within-boot reading beside.
export function residentChart(bars: readonly ResidentBar[]): string {
	if (bars.length === 0) return emptyChart();
	const designs = [...new Set(bars.map(b => b.design))];
	const largest = Math.max(page, ...bars.map(b => (b.pages ?? 0) * page), ...bars.map(b => (b.withinBoot?.kb ?? 0) * 1024));
	const pages = Math.ceil(largest / page);
	const x0 = labelWidth;
	const x = (bytes: number): number => x0 + (Math.max(0, bytes) / (pages * page)) * plotWidth;
	const plotBottom = top + designs.length * groupHeader + bars.length * rowHeight;
	const height = plotBottom + 28 + 16 * legend.length + 8;
	const out: string[] = [svgOpen(width, height, title), `<rect x="0" y="0" width="${width}" height="${height}" fill="#fff"/>`, text(10, 22, title, 'font-size="15" font-weight="bold"')];
	// A grid line and a tick per page: "3 pages" is read off the grid.
	for (let p = 0; p <= pages; p++) {
		out.push(`<line class="page" x1="${r(x(p * page))}" y1="${top}" x2="${r(x(p * page))}" y2="${plotBottom}" stroke="${p === 0 ? '#333' : '#ddd'}"/>`);
		out.push(text(x(p * page), plotBottom + 14, p === 0 ? '0' : `${p * 4} KiB`, 'font-size="10" text-anchor="middle"'));
	}
	let y = top;
	for (const design of designs) {
		out.push(text(10, y + 16, design, 'font-size="12" font-weight="bold"'));
		y += groupHeader;
		for (const bar of bars.filter(b => b.design === design)) {
			const fill = bar.neon === undefined ? colours.unknown : bar.neon ? colours.neon : colours.noneon;
			const bytes = (bar.pages ?? 0) * page;
			out.push(text(x0 - 8, y + 14, cpuLabel(bar), 'font-size="11" text-anchor="end"'));
			if (bytes > 0) {
				out.push(`<rect class="bar resident" x="${r(x0)}" y="${r(y + 3)}" width="${r(x(bytes) - x0)}" height="${rowHeight - 6}" fill="${fill}"><title>${escapeXml(tip(bar))}</title></rect>`);
			}
			if (bar.withinBoot) {
				const cx = x(bar.withinBoot.kb * 1024);
				const cy = y + rowHeight / 2;
				out.push(`<path class="within" d="M${r(cx)} ${r(cy - 5)} L${r(cx + 5)} ${r(cy)} L${r(cx)} ${r(cy + 5)} L${r(cx - 5)} ${r(cy)} Z" fill="#222"><title>${escapeXml(tip(bar))}</title></path>`);
			}
			const missing = bar.pages === undefined;
			out.push(text(x(Math.max(bytes, (bar.withinBoot?.kb ?? 0) * 1024)) + 10, y + 14, residentLabel(bar), `class="value" font-size="11"${missing ? ' fill="#777" data-missing="true"' : ''}`));
			y += rowHeight;
		}
	}
	legend.forEach((line, i) => out.push(text(10, plotBottom + 36 + 16 * i, line, 'font-size="10" fill="#444"')));
	out.push('</svg>');
	return out.join('');
}
