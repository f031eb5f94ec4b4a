// The README's picture of report.html: the recorded full-matrix run (test/fixtures/scenarios/cells.json,
// the run behind the README's findings and test/baselines/matrix.json) assembled and written the way
// `npm start` writes a run, rendered at 1400 px in headless Chromium; the top of the page (header, verdict
// table, first findings) becomes docs/report.png. `npm run screenshot:readme` redraws it. The PNG carries
// a digest of the verdict table it shows, so a unit test can tell a stale picture without a browser.
import {createHash} from 'node:crypto';
import {readFile} from 'node:fs/promises';
import {join} from 'node:path';
import {sourcePackage, sourcePackageVersion} from '../build/source.ts';
import type {CellObservation} from '../scenarios/types.ts';
import {writeFileAtomic} from '../util/atomic.ts';
import {inTempDir} from '../util/temp-dir.ts';
import {repoPath} from '../util/paths.ts';
import {assembleReport} from './assemble.ts';
import {verdictBlocks} from './document.ts';
import {screenshot} from './layout-check.ts';
import {decodeRgb, encodePalettePng, pngSize, pngText} from './png.ts';
import {recordedObservations, resultsOf} from './readme-findings.ts';
import type {Report} from './schema.ts';
import {writeReport} from './write.ts';

// Where the picture goes and what it shows: 1400 px is the width the layout check holds report.html to.
export const readmeImage = {file: 'docs/report.png', width: 1400, height: 1300, maxBytes: 300_000};
export const verdictsKey = 'kplug-verdicts';

// The recorded run as `npm start` would report it (host facts and generation time are this machine's, now).
export async function recordedRunReport(observations: readonly CellObservation[]): Promise<Report> {
	const releases = new Set(observations.map(o => /^Linux version (\S+)/.exec(o.guest?.kernel ?? '')?.[1]).filter(r => r !== undefined));
	if (releases.size !== 1) throw new Error(`the recorded cells name ${releases.size} kernel releases (${[...releases].join(', ')}), expected one`);
	return assembleReport({
		cells: resultsOf(observations),
		notRun: [],
		deviations: [],
		flakes: [],
		kernel: {sourcePackage, sourceVersion: await sourcePackageVersion(), release: [...releases][0]!},
		// The recording kept each cell's duration, not the run's wall time: the Timing section (below the
		// picture) shows the cells' total as if they had run one at a time.
		wallSeconds: observations.reduce((sum, o) => sum + o.durationMs, 0) / 1000,
		jobs: 1,
	});
}

// A digest of the verdict table (every cell's text, tone and link): what the picture is of.
export function verdictDigest(report: Report): string {
	const table = verdictBlocks(report).find(block => block.kind === 'table');
	return `sha256:${createHash('sha256').update(JSON.stringify(table ?? null)).digest('hex')}`;
}

// Render the recorded run's report.html and write the top of it as a palette PNG.
export async function writeReadmeScreenshot(out = repoPath(readmeImage.file)): Promise<{file: string; bytes: number}> {
	return inTempDir('screenshot', async dir => {
		const report = await recordedRunReport(await recordedObservations());
		const {html} = await writeReport(dir, report);
		const shot = join(dir, 'screenshot.png');
		await screenshot(html, shot, readmeImage.width, readmeImage.height);
		const png = encodePalettePng(decodeRgb(await readFile(shot)), {[verdictsKey]: verdictDigest(report)});
		if (png.length > readmeImage.maxBytes) throw new Error(`${readmeImage.file} would be ${png.length} bytes, more than ${readmeImage.maxBytes}`);
		await writeFileAtomic(out, png);
		return {file: out, bytes: png.length};
	});
}

// The README's PNG images, each with the "W×H px" its caption (the next paragraph) states.
export function readmeImages(readme: string): {file: string; stated: {width: number; height: number} | undefined}[] {
	const lines = readme.split('\n');
	return lines.flatMap((line, i) =>
		[...line.matchAll(/!\[[^\]]*\]\(([^)\s]+\.png)\)/g)].map(([, file]) => {
			const after = lines.slice(i + 1);
			const start = after.findIndex(l => l.trim() !== '');
			const end = after.findIndex((l, j) => j > start && l.trim() === '');
			const caption = start < 0 ? '' : after.slice(start, end < 0 ? undefined : end).join(' ');
			const size = /(\d+)×(\d+) px/.exec(caption);
			return {file: file!, stated: size ? {width: Number(size[1]), height: Number(size[2])} : undefined};
		}),
	);
}

// What is wrong with the README's picture of the report (empty when it is there, a PNG of the stated size,
// small enough, and of the verdicts `expectedDigest` names).
export async function readmeImageProblems(readme: string, root: string, expectedDigest: string): Promise<string[]> {
	const image = readmeImages(readme).find(i => i.file === readmeImage.file);
	if (!image) return [`the README shows no ${readmeImage.file}`];
	if (!image.stated) return [`the caption under ${image.file} states no "W×H px" size`];
	const png = await readFile(join(root, image.file)).catch(() => undefined);
	if (!png) return [`${image.file} does not exist`];
	let size;
	let text;
	try {
		size = pngSize(png);
		text = pngText(png);
	} catch (error) {
		return [`${image.file}: ${(error as Error).message}`];
	}
	const problems: string[] = [];
	const {width, height} = image.stated;
	if (size.width !== width || size.height !== height) problems.push(`${image.file} is ${size.width}×${size.height} px, its caption says ${width}×${height} px`);
	if (width !== readmeImage.width) problems.push(`the caption states ${width} px wide, the layout check's width is ${readmeImage.width} px`);
	if (png.length > readmeImage.maxBytes) problems.push(`${image.file} is ${png.length} bytes, more than ${readmeImage.maxBytes}`);
	if (text[verdictsKey] !== expectedDigest) problems.push(`${image.file} shows other verdicts than the recorded run's: run \`npm run screenshot:readme\``);
	return problems;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
	try {
		const {file, bytes} = await writeReadmeScreenshot();
		process.stdout.write(`${file}: ${readmeImage.width}×${readmeImage.height}, ${bytes} bytes\n`);
	} catch (error) {
		process.stderr.write(`kplug: screenshot:readme: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}\n`);
		process.exitCode = 1;
	}
}
