// Check report.html in a real browser (Debian's headless Chromium): at a given window width nothing
// scrolls sideways, the verdict table is there, and every link resolves inside the run folder.
// report.html has no scripts; a copy beside it gets one that measures the page with every <details>
// opened (the worst case) and writes the figures into the DOM, which --dump-dom prints.
import {access, readFile, rm, writeFile} from 'node:fs/promises';
import {dirname, join, resolve} from 'node:path';
import {pathToFileURL} from 'node:url';
import {run} from '../util/exec.ts';
import {inTempDir} from '../util/temp-dir.ts';

export const chromiumCommand = 'chromium';

export interface ChromiumConfig {
	url: string;
	width: number;
	height: number;
	profileDir: string;
	// 'dom' prints the DOM after scripts ran; a path takes a PNG screenshot instead.
	output: 'dom' | {screenshot: string};
}

// Chromium's argv: headless, no sandbox (root in CI), a throwaway profile, a fixed window.
export function chromiumArgs(cfg: ChromiumConfig): string[] {
	return [
		'--headless',
		'--no-sandbox',
		'--disable-gpu',
		'--no-first-run',
		'--hide-scrollbars',
		`--user-data-dir=${cfg.profileDir}`,
		`--window-size=${cfg.width},${cfg.height}`,
		'--virtual-time-budget=5000',
		...(cfg.output === 'dom' ? ['--dump-dom'] : [`--screenshot=${cfg.output.screenshot}`]),
		cfg.url,
	];
}

export interface LayoutFigures {
	viewport: number;
	document: {scrollWidth: number; clientWidth: number};
	// One entry per <table>, in page order: its first header cell and its widths.
	tables: {first: string; scrollWidth: number; clientWidth: number; right: number}[];
	headings: string[];
	details: number;
	hrefs: string[];
}

const marker = 'kplug-layout';

// Runs in the page: open every <details>, then measure.
const probe = `<script>
addEventListener('load', () => {
	document.querySelectorAll('details').forEach(d => { d.open = true; });
	const root = document.documentElement;
	const figures = {
		viewport: innerWidth,
		document: {scrollWidth: Math.max(root.scrollWidth, document.body.scrollWidth), clientWidth: root.clientWidth},
		tables: [...document.querySelectorAll('table')].map(t => ({
			first: (t.querySelector('th') || {textContent: ''}).textContent,
			scrollWidth: t.scrollWidth, clientWidth: t.clientWidth, right: Math.ceil(t.getBoundingClientRect().right),
		})),
		headings: [...document.querySelectorAll('h1, h2')].map(h => h.textContent),
		details: document.querySelectorAll('details').length,
		hrefs: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')),
	};
	const out = document.createElement('pre');
	out.id = '${marker}';
	out.textContent = JSON.stringify(figures);
	document.body.append(out);
});
</script>`;

// Chromium makes its singleton socket folder (.org.chromium.Chromium.*) in TMPDIR, not in the profile: pointing TMPDIR
// at the profile keeps a chromium killed at its deadline from leaving it behind.
const privateTemp = (profileDir: string): Record<string, string> => ({TMPDIR: profileDir});

// Measure a report.html at `width` px (a probing copy is written beside it, so relative links resolve, and removed).
export async function measureLayout(htmlFile: string, width = 1400, signal?: AbortSignal): Promise<LayoutFigures> {
	const html = await readFile(htmlFile, 'utf8');
	const copy = join(dirname(resolve(htmlFile)), `.layout-check-${process.pid}.html`);
	await writeFile(copy, html.replace('</body>', `${probe}\n</body>`));
	try {
		const dom = await inTempDir('chromium', profileDir =>
			run(chromiumCommand, chromiumArgs({url: pathToFileURL(copy).href, width, height: 900, profileDir, output: 'dom'}), {timeoutMs: 60_000, detached: true, signal, env: privateTemp(profileDir)}),
		);
		const found = new RegExp(`<pre id="${marker}">([^<]*)</pre>`).exec(dom.stdout);
		if (!found) throw new Error(`chromium printed no layout figures for ${htmlFile}`);
		return JSON.parse(found[1]!.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')) as LayoutFigures;
	} finally {
		await rm(copy, {force: true});
	}
}

// What is wrong with the measured page, one line each (empty when it fits and every link resolves).
export async function layoutProblems(htmlFile: string, figures: LayoutFigures): Promise<string[]> {
	const problems: string[] = [];
	const {scrollWidth, clientWidth} = figures.document;
	if (scrollWidth > clientWidth) problems.push(`the page scrolls sideways: scrollWidth ${scrollWidth} > clientWidth ${clientWidth}`);
	for (const t of figures.tables) {
		if (t.scrollWidth > t.clientWidth || t.right > clientWidth) problems.push(`table "${t.first}" is wider than its box or the page (${t.scrollWidth}/${t.clientWidth}, right edge ${t.right})`);
	}
	if (!figures.headings.includes('Verdicts')) problems.push('no Verdicts section');
	const folder = dirname(resolve(htmlFile));
	for (const href of new Set(figures.hrefs)) {
		if (/^[a-z]+:/i.test(href) || href.startsWith('/') || href.split('/').includes('..')) problems.push(`link leaves the run folder: ${href}`);
		else if (!(await access(join(folder, href)).then(() => true, () => false))) problems.push(`link does not resolve: ${href}`);
	}
	return problems;
}

// A PNG of the page at `width` px (the README's screenshot).
export async function screenshot(htmlFile: string, png: string, width = 1400, height = 1100): Promise<void> {
	await inTempDir('chromium', profileDir =>
		run(chromiumCommand, chromiumArgs({url: pathToFileURL(resolve(htmlFile)).href, width, height, profileDir, output: {screenshot: resolve(png)}}), {timeoutMs: 60_000, detached: true, env: privateTemp(profileDir)}),
	);
}
