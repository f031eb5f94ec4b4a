import test from 'ava';
import {copyFile, mkdir, readFile, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {encodePalettePng} from '../../../harness/report/png.ts';
import {readmeImage, readmeImageProblems, readmeImages, verdictDigest} from '../../../harness/report/readme-screenshot.ts';
import {repoPath} from '../../../harness/util/paths.ts';
import {recordedReport} from './_recorded-report.ts';
import {tempDir, type Teardown} from '../../_temp.ts';

const readme = await readFile(repoPath('README.md'), 'utf8');
const digest = verdictDigest(recordedReport());
// (Missing, it fails the tests below one by one, not the file's import.)
const real = await readFile(repoPath(readmeImage.file)).catch(() => Buffer.alloc(64));

test('the README shows docs/report.png with a caption stating 1400×1300 px, next to the findings', t => {
	const image = readmeImages(readme).find(i => i.file === readmeImage.file);
	t.deepEqual(image?.stated, {width: readmeImage.width, height: readmeImage.height});
	const at = readme.indexOf(`(${readmeImage.file})`);
	t.true(at > readme.indexOf('## What it found') && at < readme.indexOf('<!-- findings:begin -->'), 'between the section heading and the findings list');
});

test('docs/report.png is on disk, a PNG whose IHDR has the stated width and height, under 300 KB', async t => {
	const png = await readFile(repoPath(readmeImage.file));
	// Read straight from the bytes: signature, then the IHDR chunk (length 13) with width and height.
	t.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
	t.is(png.toString('latin1', 12, 16), 'IHDR');
	t.is(png.readUInt32BE(16), 1400);
	t.is(png.readUInt32BE(20), readmeImage.height);
	t.true(png.length < 300_000, `${png.length} bytes`);
});

test('the picture is of the recorded run\'s verdicts (no problems; redraw with npm run screenshot:readme)', async t => {
	t.deepEqual(await readmeImageProblems(readme, repoPath(), digest), []);
});

test('the verdict digest changes when a verdict in the table changes', t => {
	const report = recordedReport();
	const result = report.cells.flatMap(c => c.claims).find(r => r.verdict === 'holds');
	if (!result) return t.fail('no holding claim in the recorded run');
	result.verdict = 'fails';
	t.not(verdictDigest(report), digest);
	return undefined;
});

// A scratch repository root for the checks that must fail.
async function scratch(t: Teardown): Promise<string> {
	const root = await tempDir(t, 'readme-image');
	await mkdir(join(root, 'docs'));
	return root;
}

const caption = '![r](docs/report.png)\n\n*report.html, 1400×1300 px.*\n';
const broken = test.macro(async (t, readmeText: string, file: Buffer | 'real' | undefined, expected: string) => {
	const root = await scratch(t);
	if (file === 'real') await copyFile(repoPath(readmeImage.file), join(root, readmeImage.file));
	else if (file) await writeFile(join(root, readmeImage.file), file);
	const problems = await readmeImageProblems(readmeText, root, digest);
	t.true(problems.some(p => p.startsWith(expected)), problems.join('\n'));
});
test('can fail: the image was moved or deleted', broken, caption, undefined, 'docs/report.png does not exist');
test('can fail: the README no longer shows it', broken, '# kplug\n', 'real', 'the README shows no docs/report.png');
test('can fail: a caption without a size', broken, '![r](docs/report.png)\n\nthe report\n', 'real', 'the caption under docs/report.png states no');
test('can fail: not a PNG', broken, caption, Buffer.from('GIF89a not a png'), 'docs/report.png: not a PNG');
test('can fail: a truncated PNG', broken, caption, real.subarray(0, 100), 'docs/report.png: PNG chunk PLTE runs past the end of the file');
test('can fail: a corrupted PNG', broken, caption, Buffer.concat([real.subarray(0, 20), Buffer.from([real[20]! ^ 1]), real.subarray(21)]), 'docs/report.png: PNG chunk IHDR: CRC mismatch');
test('can fail: a PNG of another size', broken, caption, encodePalettePng({width: 2, height: 1, rgb: new Uint8Array(6)}), 'docs/report.png is 2×1 px, its caption says 1400×1300 px');
test('can fail: a caption at another width than the layout check\'s', broken, caption.replace('1400×1300', '1200×1300'), 'real', 'the caption states 1200 px wide');
test('can fail: a picture of other verdicts', broken, caption, encodePalettePng({width: 1400, height: 1300, rgb: new Uint8Array(1400 * 1300 * 3)}, {'kplug-verdicts': 'sha256:old'}), 'docs/report.png shows other verdicts');
