import test from 'ava';
import {renderHtml} from '../../../harness/report/html.ts';
import {renderMarkdown} from '../../../harness/report/markdown.ts';
import {injected, sampleReport} from './_sample-report.ts';

const svgNs = 'http://www.w3.org/2000/svg';

test('self-contained: no scripts, stylesheets, images or fetches from elsewhere', t => {
	const html = renderHtml(sampleReport());
	t.true(html.startsWith('<!DOCTYPE html>'));
	t.regex(html, /<style>[\s\S]+<\/style>/);
	t.false(/<script/i.test(html));
	t.false(/<link\b/i.test(html));
	t.false(/\b(?:src|xlink:href)\s*=/i.test(html));
	// Links only to evidence inside the run folder (findings), never elsewhere.
	const hrefs = [...html.matchAll(/\bhref\s*=\s*"([^"]*)"/gi)].map(m => m[1]!);
	t.true(hrefs.length > 0, 'findings link their evidence');
	t.true(hrefs.every(h => /^cells\/[\w.-]+\/result\.json$/.test(h)), hrefs.join(' '));
	t.false(/@import|url\(/i.test(html));
	// URLs only as the SVG namespace or as escaped text (the claim's source), never as something to load.
	const urls = [...html.matchAll(/https?:\/\/[^\s"'<>)]+/g)].map(m => ({url: m[0], before: html.slice(Math.max(0, (m.index ?? 0) - 7), m.index)}));
	const others = urls.filter(u => u.url !== svgNs);
	t.deepEqual(others.map(u => u.url), ['https://lore.kernel.org/linux-crypto/']);
	t.true(others.every(u => u.before.endsWith('<td>')));
	t.true(urls.filter(u => u.url === svgNs).every(u => u.before === 'xmlns="'));
});

test('text is escaped: a <script> in a step message stays text', t => {
	const html = renderHtml(sampleReport());
	t.false(html.includes(injected));
	t.true(html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'));
	t.false(html.includes('\u001b'));
	t.true(html.includes('\u241b[0m'));
});

test('verdict cells are coloured by class and the headline comes first', t => {
	const html = renderHtml(sampleReport());
	t.true(html.includes('<td class="fails">FAILS 1/2 (lib-first)</td>'));
	t.true(html.includes('<td class="holds">holds 2/2</td>'));
	t.true(html.includes('<td class="na">n/a</td>'));
	t.true(html.includes('<td class="error">ERROR boot-timeout</td>'));
	t.regex(html, /td\.holds \{[^}]*background: #d8f3d8/);
	t.regex(html, /td\.fails \{[^}]*background: #f8d0d0/);
	t.regex(html, /td\.na \{[^}]*background: #ececec/);
	t.true(html.indexOf('<h2>Claims × configurations</h2>') < html.indexOf('<h2>Scenarios</h2>'));
});

test('same sections as the Markdown, plus an inline memory chart', t => {
	const report = sampleReport();
	const html = renderHtml(report);
	const mdHeadings = [...renderMarkdown(report).matchAll(/^#+ (.*)$/gm)].map(m => m[1]);
	const htmlHeadings = [...html.matchAll(/<h[1-3]>(.*?)<\/h[1-3]>/g)].map(m => m[1]);
	t.deepEqual(htmlHeadings, mdHeadings);
	t.is(html.split(`<svg xmlns="${svgNs}"`).length - 1, 1);
	t.true(html.includes('<pre class="diff"><code><span class="del">- probes.end.apiPaths: [&quot;arch&quot;]</span>'));
});
