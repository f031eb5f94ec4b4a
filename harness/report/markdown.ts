// report.md: the report as GitHub-flavoured Markdown, headline table first.
import {cell, type Block, type ResidentBar, type TableCell} from './blocks.ts';
import {reportDocument} from './document.ts';
import {escapeMarkdownCell, escapeMarkdownText, escapeXml, visibleControls} from './escape.ts';
import type {Report} from './schema.ts';
import {residentLabel} from './svg-chart.ts';

// A fence longer than any backtick run in the lines, so a diff cannot close its own block.
function fence(lines: readonly string[]): string {
	const longest = Math.max(0, ...lines.map(l => Math.max(0, ...(l.match(/`+/g) ?? []).map(run => run.length))));
	return '`'.repeat(Math.max(3, longest + 1));
}

function tableRow(cells: readonly string[]): string {
	return `| ${cells.map(escapeMarkdownCell).join(' | ')} |`;
}

// A cell with a link keeps its words and adds the link after them.
function markdownCell(c: TableCell): string {
	const text = escapeMarkdownCell(c.text);
	return c.href === undefined ? text : `${text} ([evidence](${c.href}))`;
}

// One chart bar as a table row.
function residentRow(bar: ResidentBar): TableCell[] {
	const within = bar.withinBoot ? `${bar.withinBoot.kb} kB (noise floor ${bar.withinBoot.noiseFloorKb ?? '?'} kB)` : '—';
	return [cell(bar.design), cell(bar.neon === undefined ? bar.cpu : `${bar.cpu} (${bar.neon ? 'with' : 'without'} NEON)`), cell(bar.profile), cell(residentLabel(bar), bar.pages === undefined ? 'skipped' : undefined), cell(within)];
}

// Render one block as Markdown.
export function markdownBlock(block: Block): string {
	switch (block.kind) {
		case 'heading':
			return `${'#'.repeat(block.level)} ${escapeMarkdownText(block.text)}`;
		case 'paragraph': {
			const text = escapeMarkdownText(block.text);
			return block.strong ? `**${text}**` : text;
		}
		case 'table':
			return [
				tableRow(block.header),
				`|${block.header.map(() => ' --- ').join('|')}|`,
				...block.rows.map(row => `| ${row.map(markdownCell).join(' | ')} |`),
			].join('\n');
		case 'code': {
			const marks = fence(block.lines);
			return [`${marks}${block.language}`, ...block.lines.map(visibleControls), marks].join('\n');
		}
		case 'list':
			return block.items.map(item => `- ${escapeMarkdownText(item).replace(/\r?\n/g, ' ')}`).join('\n');
		case 'findings':
			return block.items.map(f => `- ${escapeMarkdownText(f.text)} (${f.cells.length} cell${f.cells.length === 1 ? '' : 's'}) [evidence](${f.evidence})`).join('\n');
		case 'details':
			// GitHub renders <details> in Markdown; blank lines keep the Markdown inside it Markdown.
			return [`<details><summary>${escapeXml(block.summary)}</summary>`, ...block.blocks.map(markdownBlock), '</details>'].join('\n\n');
		case 'memory-chart':
			// The chart's figures as a table (report.html draws them).
			return markdownBlock({kind: 'table', header: ['Design', 'CPU', 'Profile', 'Arch code resident', 'Within one boot: VmallocUsed on insert'], rows: block.bars.map(residentRow)});
		default: {
			const never: never = block;
			throw new Error(`unknown block ${JSON.stringify(never)}`);
		}
	}
}

// Render a report as Markdown: claims × configurations, scenarios, deviations, flakes, vectors, memory, timing.
export function renderMarkdown(report: Report): string {
	return reportDocument(report).map(markdownBlock).join('\n\n') + '\n';
}
