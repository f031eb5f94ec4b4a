// report.html: one self-contained page (inline CSS and SVG, no scripts, no external assets).
import type {Block, TableCell} from './blocks.ts';
import {reportDocument} from './document.ts';
import {escapeXml, escapeXmlAttribute} from './escape.ts';
import type {Report} from './schema.ts';
import {residentChart} from './svg-chart.ts';

// Fixed table layout at the page's width and wrapping anywhere: a long cell (a path, a list of
// configurations) wraps inside its column instead of pushing the page sideways at 1400 px.
const css = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: #1d1d1f; background: #fafafa; overflow-wrap: anywhere; }
main { max-width: 1400px; margin: 0 auto; padding: 16px 24px 48px; box-sizing: border-box; }
h1 { font-size: 24px; } h2 { font-size: 19px; margin-top: 32px; border-bottom: 1px solid #ccc; } h3 { font-size: 15px; }
p.strong { font-weight: 600; }
table { border-collapse: collapse; margin: 8px 0 16px; background: #fff; width: 100%; table-layout: fixed; }
th, td { border: 1px solid #ccc; padding: 4px 8px; vertical-align: top; text-align: left; }
th { background: #eef1f5; }
td.holds { background: #d8f3d8; color: #0b4d0b; }
td.fails { background: #f8d0d0; color: #7a0000; font-weight: 600; }
td.na { background: #ececec; color: #555; }
td.error { background: #ffe3b8; color: #6b3d00; }
td.skipped { background: #f4f4f4; color: #888; font-style: italic; }
td a { color: inherit; }
details { margin: 4px 0 12px; } summary { cursor: pointer; color: #333; }
pre { background: #fff; border: 1px solid #ccc; padding: 8px; white-space: pre-wrap; }
pre .add { color: #0b6b0b; } pre .del { color: #a00000; }
figure { margin: 8px 0; } figure svg { max-width: 100%; height: auto; }
`;

function escapeLines(text: string): string {
	return text.split(/\r?\n/).map(escapeXml).join('<br>');
}

function td(c: TableCell): string {
	const text = c.href === undefined ? escapeLines(c.text) : `<a href="${escapeXmlAttribute(c.href)}">${escapeLines(c.text)}</a>`;
	return c.tone === undefined ? `<td>${text}</td>` : `<td class="${c.tone}">${text}</td>`;
}

function colgroup(widths: readonly number[] | undefined): string {
	return widths === undefined ? '' : `<colgroup>${widths.map(w => `<col style="width: ${w}%">`).join('')}</colgroup>`;
}

function diffLine(line: string): string {
	const kind = line.startsWith('+') ? 'add' : line.startsWith('-') ? 'del' : undefined;
	return kind === undefined ? escapeXml(line) : `<span class="${kind}">${escapeXml(line)}</span>`;
}

// Render one block as HTML.
export function htmlBlock(block: Block): string {
	switch (block.kind) {
		case 'heading':
			return `<h${block.level}>${escapeXml(block.text)}</h${block.level}>`;
		case 'paragraph':
			return block.strong ? `<p class="strong">${escapeXml(block.text)}</p>` : `<p>${escapeXml(block.text)}</p>`;
		case 'table':
			return (
				`<table>${colgroup(block.widths)}<thead><tr>${block.header.map(h => `<th>${escapeXml(h)}</th>`).join('')}</tr></thead>` +
				`<tbody>${block.rows.map(row => `<tr>${row.map(td).join('')}</tr>`).join('\n')}</tbody></table>`
			);
		case 'code':
			return `<pre class="${block.language}"><code>${block.lines.map(block.language === 'diff' ? diffLine : escapeXml).join('\n')}</code></pre>`;
		case 'list':
			return `<ul>${block.items.map(item => `<li>${escapeLines(item)}</li>`).join('\n')}</ul>`;
		case 'findings':
			return `<ul class="findings">${block.items.map(f => `<li>${escapeXml(f.text)} <span class="cells" title="${escapeXmlAttribute(f.cells.join('\n'))}">(${f.cells.length} cell${f.cells.length === 1 ? '' : 's'})</span> <a href="${escapeXmlAttribute(f.evidence)}">evidence</a></li>`).join('\n')}</ul>`;
		case 'details':
			return [`<details><summary>${escapeXml(block.summary)}</summary>`, ...block.blocks.map(htmlBlock), '</details>'].join('\n');
		case 'memory-chart':
			return `<figure>${residentChart(block.bars)}</figure>`;
		default: {
			const never: never = block;
			throw new Error(`unknown block ${JSON.stringify(never)}`);
		}
	}
}

// Render a report as a self-contained HTML page with the same content as report.md.
export function renderHtml(report: Report): string {
	const title = `kplug report — ${report.generatedAt}`;
	return [
		'<!DOCTYPE html>',
		'<html lang="en">',
		'<head>',
		'<meta charset="utf-8">',
		'<meta name="viewport" content="width=device-width, initial-scale=1">',
		`<title>${escapeXml(title)}</title>`,
		`<style>${css}</style>`,
		'</head>',
		'<body>',
		'<main>',
		...reportDocument(report).map(htmlBlock),
		'</main>',
		'</body>',
		'</html>',
		'',
	].join('\n');
}
