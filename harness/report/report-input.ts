// Reading a report.json back (merge, report): checked against a schema, not cast, so a malformed or
// foreign file is one `kplug:` line naming the file and the first wrong field, before anything uses it.
// The schema covers what the readers use (every field the renderers and merge read); other fields pass.
import {readFile} from 'node:fs/promises';
import * as z from 'zod';
import {UsageError} from '../util/errors.ts';
import {reportSchema, type Report} from './schema.ts';

const cellId = z.looseObject({design: z.string(), profile: z.string(), cpu: z.string(), scenario: z.string()});
const claim = z.looseObject({claim: z.string(), verdict: z.enum(['holds', 'fails', 'n/a', 'not evaluated']), evidence: z.string(), reason: z.string().optional(), cells: z.array(z.string()).optional()});
const step = z.looseObject({label: z.string(), argv: z.array(z.string()), exitCode: z.number(), message: z.string()});
const cell = z.looseObject({
	id: cellId,
	cellKey: z.string(),
	status: z.enum(['completed', 'error']),
	error: z.looseObject({class: z.string(), message: z.string()}).optional(),
	durationMs: z.number(),
	steps: z.array(step),
	modulesAtEnd: z.array(z.looseObject({name: z.string(), refcount: z.number(), holders: z.array(z.string())})),
	probes: z.array(z.looseObject({label: z.string(), driverLoaded: z.boolean()})),
	kernelLogOfInterest: z.array(z.string()),
	claims: z.array(claim),
	logDir: z.string(),
});

export const reportInput = z.looseObject({
	schema: z.literal(reportSchema),
	generatedAt: z.string(),
	kplugVersion: z.string(),
	host: z.looseObject({cores: z.number(), node: z.string(), qemu: z.string()}),
	kernel: z.looseObject({sourcePackage: z.string(), sourceVersion: z.string(), release: z.string()}),
	matrix: z.looseObject({designs: z.array(z.string()), profiles: z.array(z.string()), cpus: z.array(z.string()), scenarios: z.array(z.looseObject({id: z.string(), title: z.string()}))}),
	claims: z.array(z.looseObject({id: z.string(), text: z.string(), source: z.string()})),
	cells: z.array(cell),
	pairClaims: z.array(claim).optional(),
	notRun: z.array(cellId),
	deviations: z.array(z.looseObject({cellKey: z.string(), diff: z.array(z.string())})),
	flakes: z.array(z.looseObject({cellKey: z.string(), outcomes: z.array(z.string()), counts: z.optional(z.array(z.int().min(1))), known: z.optional(z.string().min(1))}).refine(f => !f.counts || f.counts.length === f.outcomes.length, 'counts and outcomes differ in length')),
	snapshotEvents: z.optional(z.array(z.looseObject({what: z.enum(['refused', 'discarded', 'not made']), key: z.string(), message: z.string()}))),
	repeats: z.optional(z.looseObject({asked: z.int().min(2), completeRounds: z.int().min(0), runs: z.int().min(0)})),
	knownOutcomes: z.optional(z.array(z.looseObject({cellKey: z.string(), why: z.string()}))),
	versionChanges: z.optional(z.array(z.looseObject({profile: z.string(), changed: z.array(z.string()), diff: z.array(z.string())}))),
	vectors: z.array(z.looseObject({design: z.string(), profile: z.string(), cpu: z.string(), paths: z.array(z.looseObject({path: z.string()}))})),
	timing: z.looseObject({wallSeconds: z.number(), jobs: z.number()}),
	shard: z.looseObject({index: z.int().min(1), count: z.int().min(1), matrixCells: z.array(cellId)}).refine(s => s.index <= s.count, 'index beyond count').optional(),
});

// "cells[3].claims[0].verdict: …" for the first problem zod found.
function firstProblem(error: z.ZodError): string {
	const issue = error.issues[0];
	if (!issue) return 'malformed';
	const path = issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i > 0 ? '.' : ''}${String(p)}`)).join('');
	return `${path || '(top level)'}: ${issue.message}`;
}

// Check parsed JSON as a Report; a UsageError (exit 2, one line) names the file and the field.
export function checkReport(value: unknown, path: string): Report {
	const result = reportInput.safeParse(value);
	if (!result.success) throw new UsageError(`${path}: not a ${reportSchema} report: ${firstProblem(result.error)}`);
	return value as Report;
}

// Read and check a report.json.
export async function readReportFile(path: string): Promise<Report> {
	let value: unknown;
	try {
		value = JSON.parse(await readFile(path, 'utf8'));
	} catch (error) {
		throw new UsageError(`${path}: not a readable report (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
	}
	return checkReport(value, path);
}
