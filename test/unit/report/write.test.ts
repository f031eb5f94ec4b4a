import test from 'ava';
import {mkdir, readdir, readFile, symlink, utimes, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {renderMarkdown} from '../../../harness/report/markdown.ts';
import {bundleReport, ReportWriteError, writeReport} from '../../../harness/report/write.ts';
import {run} from '../../../harness/util/exec.ts';
import {sampleReport} from './_sample-report.ts';
import {tempDir} from '../../_temp.ts';

test('writes the five files, with no temporary files left behind', async t => {
	const dir = join(await tempDir(t, 'report'), 'run-1');
	const report = sampleReport();
	const files = await writeReport(dir, report);
	t.deepEqual(files, {json: join(dir, 'report.json'), md: join(dir, 'report.md'), html: join(dir, 'report.html'), junit: join(dir, 'junit.xml'), ktap: join(dir, 'report.ktap')});
	t.deepEqual((await readdir(dir)).sort(), ['junit.xml', 'report.html', 'report.json', 'report.ktap', 'report.md']);
	t.deepEqual(JSON.parse(await readFile(files.json, 'utf8')), JSON.parse(JSON.stringify(report)));
	t.is(await readFile(files.md, 'utf8'), renderMarkdown(report));
	t.true((await readFile(files.junit, 'utf8')).startsWith('<?xml'));
});

test('a file that cannot be written keeps its previous version and loses none of the others: one ReportWriteError names it', async t => {
	const dir = join(await tempDir(t, 'report'), 'run-3');
	// report.html is a folder with something in it: renaming the new file over it fails.
	await mkdir(join(dir, 'report.html'), {recursive: true});
	await writeFile(join(dir, 'report.html', 'keep'), 'x');
	const error = await t.throwsAsync(writeReport(dir, sampleReport()), {instanceOf: ReportWriteError});
	t.regex(error.message, /^could not write report\.html \(.+\) in /);
	t.false(error.message.includes('\n'));
	t.deepEqual((await readdir(dir)).sort(), ['junit.xml', 'report.html', 'report.json', 'report.ktap', 'report.md'], 'no temporary file left behind');
	t.is(await readFile(join(dir, 'report.md'), 'utf8'), renderMarkdown(sampleReport()));
});

test('bundles the folder as <dir>.tar.gz beside it', async t => {
	const parent = await tempDir(t, 'report');
	const dir = join(parent, 'run-2');
	await writeReport(dir, sampleReport());
	const out = await bundleReport(dir);
	t.is(out, `${dir}.tar.gz`);
	const listing = (await run('tar', ['-tzf', out])).stdout.split('\n').filter(Boolean).sort();
	t.deepEqual(listing, ['run-2/', 'run-2/junit.xml', 'run-2/report.html', 'run-2/report.json', 'run-2/report.ktap', 'run-2/report.md']);
	t.deepEqual((await readdir(parent)).sort(), ['run-2', 'run-2.tar.gz']);
});

test('a full disk while bundling: the error reaches the caller, and neither a bundle nor its temporary file is left', async t => {
	const parent = await tempDir(t, 'report');
	const dir = join(parent, 'run-4');
	await writeReport(dir, sampleReport());
	// The bundle's temporary file leads to /dev/full: every write fails with ENOSPC, as on a full disk.
	await symlink('/dev/full', `${dir}.tar.gz.tmp-${process.pid}`);
	const error = await t.throwsAsync(bundleReport(dir));
	t.is((error as NodeJS.ErrnoException).code, 'ENOSPC');
	t.deepEqual((await readdir(parent)).sort(), ['run-4']);
});

// Files written in a different order and at different times, with the same content.
async function runFolder(dir: string, reverse: boolean, time: Date): Promise<void> {
	const files: [string, string][] = [['cells/a__b/result.json', '{}\n'], ['cells/a__b/console.log', 'boot\n'], ['report.md', '# r\n'], ['junit.xml', '<x/>\n']];
	for (const [path, text] of reverse ? [...files].reverse() : files) {
		await mkdir(join(dir, path, '..'), {recursive: true});
		await writeFile(join(dir, path), text);
		await utimes(join(dir, path), time, time);
	}
}

test('the bundle is reproducible: same content, same bytes, whatever the order and times of writing', async t => {
	const a = join(await tempDir(t, 'report'), 'run');
	const b = join(await tempDir(t, 'report'), 'run');
	await runFolder(a, false, new Date('2024-01-01T00:00:00Z'));
	await runFolder(b, true, new Date('2025-06-01T12:34:56Z'));
	const first = await readFile(await bundleReport(a));
	t.deepEqual(await readFile(await bundleReport(b)), first);
	// Bundling the same folder again gives the same bytes too.
	t.deepEqual(await readFile(await bundleReport(a)), first);
	const listing = (await run('tar', ['-tvzf', `${a}.tar.gz`])).stdout.split('\n').filter(Boolean);
	t.deepEqual(listing.map(l => l.split(/\s+/).at(-1)), ['run/', 'run/cells/', 'run/cells/a__b/', 'run/cells/a__b/console.log', 'run/cells/a__b/result.json', 'run/junit.xml', 'run/report.md']);
	t.true(listing.every(l => l.includes(' 0/0 ') && l.includes('1970-01-01')), listing.join('\n'));
	// A changed byte changes the bundle.
	await writeFile(join(b, 'report.md'), '# R\n');
	t.notDeepEqual(await readFile(await bundleReport(b)), first);
});
