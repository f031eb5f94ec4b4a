import test from 'ava';
import {mkdtemp, readdir, readFile, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {renderMarkdown} from '../../../harness/report/markdown.ts';
import {bundleReport, writeReport} from '../../../harness/report/write.ts';
import {run} from '../../../harness/util/exec.ts';
import {sampleReport} from './_sample-report.ts';

async function tempDir(t: {teardown: (fn: () => Promise<void>) => void}): Promise<string> {
	const parent = await mkdtemp(join(tmpdir(), 'kplug-report-'));
	t.teardown(() => rm(parent, {recursive: true, force: true}));
	return parent;
}

test('writes the five files, with no temporary files left behind', async t => {
	const dir = join(await tempDir(t), 'run-1');
	const report = sampleReport();
	const files = await writeReport(dir, report);
	t.deepEqual(files, {json: join(dir, 'report.json'), md: join(dir, 'report.md'), html: join(dir, 'report.html'), junit: join(dir, 'junit.xml'), ktap: join(dir, 'report.ktap')});
	t.deepEqual((await readdir(dir)).sort(), ['junit.xml', 'report.html', 'report.json', 'report.ktap', 'report.md']);
	t.deepEqual(JSON.parse(await readFile(files.json, 'utf8')), JSON.parse(JSON.stringify(report)));
	t.is(await readFile(files.md, 'utf8'), renderMarkdown(report));
	t.true((await readFile(files.junit, 'utf8')).startsWith('<?xml'));
});

test('bundles the folder as <dir>.tar.gz beside it', async t => {
	const parent = await tempDir(t);
	const dir = join(parent, 'run-2');
	await writeReport(dir, sampleReport());
	const out = await bundleReport(dir);
	t.is(out, `${dir}.tar.gz`);
	const listing = (await run('tar', ['-tzf', out])).stdout.split('\n').filter(Boolean).sort();
	t.deepEqual(listing, ['run-2/', 'run-2/junit.xml', 'run-2/report.html', 'run-2/report.json', 'run-2/report.ktap', 'run-2/report.md']);
	t.deepEqual((await readdir(parent)).sort(), ['run-2', 'run-2.tar.gz']);
});
