import test from 'ava';
import {mkdir, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {chromiumArgs, chromiumCommand, layoutProblems, measureLayout} from '../../../harness/report/layout-check.ts';
import {evidenceHref} from '../../../harness/report/findings.ts';
import {writeReport} from '../../../harness/report/write.ts';
import {haveTool} from '../../../harness/util/exec.ts';
import {recordedReport} from './_recorded-report.ts';
import {tempDir} from '../../_temp.ts';

const browser = (await haveTool(chromiumCommand)) ? test.serial : test.skip;
const why = (await haveTool(chromiumCommand)) ? '' : ' [skipped: chromium is not installed; run `npm run kplug -- setup` (apt-get install chromium)]';

test('chromiumArgs: headless, throwaway profile, the window width, DOM or screenshot', t => {
	const args = chromiumArgs({url: 'file:///r/report.html', width: 1400, height: 900, profileDir: '/tmp/p', output: 'dom'});
	t.deepEqual(args.slice(0, 2), ['--headless', '--no-sandbox']);
	t.true(args.includes('--window-size=1400,900'));
	t.true(args.includes('--user-data-dir=/tmp/p'));
	t.is(args.at(-2), '--dump-dom');
	t.is(args.at(-1), 'file:///r/report.html');
	t.true(chromiumArgs({url: 'u', width: 1, height: 1, profileDir: 'p', output: {screenshot: '/x.png'}}).includes('--screenshot=/x.png'));
});

browser(`recorded run: report.html fits 1400 px in Chromium, verdicts present, every link resolves${why}`, async t => {
	const dir = await tempDir(t, 'browser');
	const report = recordedReport();
	// The cells' evidence, as a run leaves it.
	for (const c of report.cells) {
		const file = join(dir, evidenceHref(c.cellKey));
		await mkdir(join(file, '..'), {recursive: true});
		await writeFile(file, '{}\n');
	}
	const {html} = await writeReport(dir, report);
	const figures = await measureLayout(html, 1400);
	t.is(figures.viewport, 1400);
	t.true(figures.document.scrollWidth <= figures.document.clientWidth, JSON.stringify(figures.document));
	t.true(figures.tables.length > report.matrix.scenarios.length, 'tables inside <details> were opened and measured');
	for (const table of figures.tables) t.true(table.scrollWidth <= table.clientWidth, `${table.first}: ${table.scrollWidth} > ${table.clientWidth}`);
	t.deepEqual(figures.headings.slice(0, 3), ['kplug report', 'Verdicts', 'Findings']);
	t.is(figures.details, 1 + report.matrix.scenarios.length);
	t.true(figures.hrefs.length > 0);
	t.deepEqual(await layoutProblems(html, figures), []);
});

browser(`the check can fail: a wide table, a missing Verdicts section and a dangling link are each reported${why}`, async t => {
	const dir = await tempDir(t, 'browser');
	const html = join(dir, 'report.html');
	await writeFile(html, '<!DOCTYPE html><html><body><h1>x</h1><table><tr><th>wide</th><td style="min-width:2000px">x</td></tr></table><a href="cells/gone/result.json">e</a></body></html>');
	const figures = await measureLayout(html, 1400);
	const problems = await layoutProblems(html, figures);
	t.true(problems.some(p => p.startsWith('the page scrolls sideways')), problems.join('\n'));
	t.true(problems.some(p => p.startsWith('table "wide"')), problems.join('\n'));
	t.true(problems.includes('no Verdicts section'));
	t.true(problems.includes('link does not resolve: cells/gone/result.json'));
});
