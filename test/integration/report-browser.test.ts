import test from 'ava';
import {execa} from 'execa';
import {join} from 'node:path';
import {chromiumCommand, layoutProblems, measureLayout} from '../../harness/report/layout-check.ts';
import type {Report} from '../../harness/report/schema.ts';
import {haveTool} from '../../harness/util/exec.ts';
import {repoPath} from '../../harness/util/paths.ts';
import {ourQemus} from './_context.ts';
import {tempDir} from '../_temp.ts';

const kplug = repoPath('harness/bin/kplug.mjs');
const have = await haveTool(chromiumCommand);
const browser = have ? test : test.skip;

browser(`a real run's report.html fits 1400 px in Chromium and its verdict and evidence links resolve${have ? '' : ' [skipped: chromium is not installed; run `npm run kplug -- setup`]'}`, async t => {
	const out = await tempDir(t, 'report-browser');
	const result = await execa('node', [kplug, 'run', '--profile', 'thumb2', '--scenario', 'no-arch,lib-first,arch-first', '--jobs', '2', '--json', '--out', out], {reject: false, env: {CI: 'true'}});
	const report = JSON.parse(result.stdout) as Report;
	t.true(report.cells.length >= 12, result.stderr.split('\n').slice(-5).join('\n'));
	const html = join(out, 'latest', 'report.html');
	const figures = await measureLayout(html, 1400);
	t.true(figures.document.scrollWidth <= figures.document.clientWidth, JSON.stringify(figures.document));
	t.true(figures.headings.includes('Verdicts'));
	t.true(figures.hrefs.length > 0, 'verdicts and findings link their evidence');
	t.deepEqual(await layoutProblems(html, figures), []);
	t.deepEqual(await ourQemus(), []);
});
