// Write a run's report files (each atomically) and bundle the run folder as a tarball.
import {mkdir, rename, rm} from 'node:fs/promises';
import {basename, dirname, join, resolve} from 'node:path';
import {writeFileAtomic} from '../util/atomic.ts';
import {run} from '../util/exec.ts';
import {renderHtml} from './html.ts';
import {renderJunit} from './junit.ts';
import {renderKtap} from './ktap.ts';
import {renderMarkdown} from './markdown.ts';
import type {Report} from './schema.ts';

export interface ReportFiles {
	json: string;
	md: string;
	html: string;
	junit: string;
	ktap: string;
}

// Write report.json, report.md, report.html, junit.xml and report.ktap into `dir`; a reader never sees half a file.
export async function writeReport(dir: string, report: Report): Promise<ReportFiles> {
	// Render everything first, so a rendering bug leaves the previous files in place.
	const contents = {
		json: JSON.stringify(report, null, '\t') + '\n',
		md: renderMarkdown(report),
		html: renderHtml(report),
		junit: renderJunit(report),
		ktap: renderKtap(report),
	};
	const files: ReportFiles = {
		json: join(dir, 'report.json'),
		md: join(dir, 'report.md'),
		html: join(dir, 'report.html'),
		junit: join(dir, 'junit.xml'),
		ktap: join(dir, 'report.ktap'),
	};
	await mkdir(dir, {recursive: true});
	await Promise.all((Object.keys(files) as (keyof ReportFiles)[]).map(key => writeFileAtomic(files[key], contents[key])));
	return files;
}

// Pack the run folder into `<dir>.tar.gz` beside it (built under a temporary name, then renamed).
export async function bundleReport(dir: string): Promise<string> {
	const absolute = resolve(dir);
	const parent = dirname(absolute);
	const name = basename(absolute);
	const out = `${absolute}.tar.gz`;
	const tmp = `${out}.tmp-${process.pid}`;
	try {
		await run('tar', ['-czf', tmp, '-C', parent, name]);
		await rename(tmp, out);
	} catch (error) {
		await rm(tmp, {force: true});
		throw error;
	}
	return out;
}
