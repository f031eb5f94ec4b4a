// Write a run's report files (each atomically) and bundle the run folder as a tarball.
import {mkdir, readdir, rename, rm} from 'node:fs/promises';
import {basename, dirname, join, resolve} from 'node:path';
import {create} from 'tar';
import {writeFileAtomic} from '../util/atomic.ts';
import {KplugError} from '../util/errors.ts';
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

// Some report files could not be written; the others were (each file on its own).
export class ReportWriteError extends KplugError {
	override name = 'ReportWriteError';
}

// Write report.json, report.md, report.html, junit.xml and report.ktap into `dir`; a reader never sees half a file.
// Each file is rendered and written on its own: a rendering bug or a failed write keeps that file's previous version
// and loses none of the others (then one ReportWriteError names what is missing).
export async function writeReport(dir: string, report: Report): Promise<ReportFiles> {
	const render: Record<keyof ReportFiles, () => string> = {
		json: () => JSON.stringify(report, null, '\t') + '\n',
		md: () => renderMarkdown(report),
		html: () => renderHtml(report),
		junit: () => renderJunit(report),
		ktap: () => renderKtap(report),
	};
	const files: ReportFiles = {
		json: join(dir, 'report.json'),
		md: join(dir, 'report.md'),
		html: join(dir, 'report.html'),
		junit: join(dir, 'junit.xml'),
		ktap: join(dir, 'report.ktap'),
	};
	await mkdir(dir, {recursive: true});
	const failed = (await Promise.all((Object.keys(files) as (keyof ReportFiles)[]).map(async key => {
		try {
			await writeFileAtomic(files[key], render[key]());
			return [];
		} catch (error) {
			return [`${basename(files[key])} (${(error as Error).message.split('\n')[0]})`];
		}
	}))).flat();
	if (failed.length) throw new ReportWriteError(`could not write ${failed.join(', ')} in ${dir}`);
	return files;
}

// Every entry below `dir` (folders with a trailing slash), relative to its parent, in byte order.
async function entries(parent: string, name: string): Promise<string[]> {
	const found = (await readdir(join(parent, name), {recursive: true, withFileTypes: true}))
		// Our own half-written bundles and atomic writes' temporary files are not part of the run.
		.filter(e => !e.name.includes('.tmp-'))
		.map(e => {
			const rel = join(name, join(e.parentPath, e.name).slice(join(parent, name).length + 1));
			return e.isDirectory() ? `${rel}/` : rel;
		});
	return [`${name}/`, ...found].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

// Pack the run folder into `<dir>.tar.gz` beside it (built under a temporary name, then renamed).
// Reproducible: the same folder gives the same bytes (byte-ordered entries, mtime 0, no owners, a gzip
// header without a time), so CI can compare bundles and a bundle names its content.
export async function bundleReport(dir: string): Promise<string> {
	const absolute = resolve(dir);
	const parent = dirname(absolute);
	const name = basename(absolute);
	const out = `${absolute}.tar.gz`;
	const tmp = `${out}.tmp-${process.pid}`;
	try {
		const list = await entries(parent, name);
		await create({file: tmp, cwd: parent, gzip: {level: 9}, portable: true, noDirRecurse: true, mtime: new Date(0), noPax: true}, list);
		await rename(tmp, out);
	} catch (error) {
		await rm(tmp, {force: true});
		throw error;
	}
	return out;
}
