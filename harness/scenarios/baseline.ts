// Baselines: each cell's observed outcome, kept in the repo for review; a changed outcome is a deviation.
// The baseline also records, per profile, the versions the outcomes were observed with (read from the
// guest: /proc/version, kmod --version; from the host: QEMU, cross-gcc): a version change is one line for the
// profile (versionChanges), and its cells are still compared cell by cell, so a point release that changes no
// outcome does not fail a run, and one that does shows each changed cell under the version line.
import * as z from 'zod';
import {UsageError} from '../util/errors.ts';
import {writeFileAtomic} from '../util/atomic.ts';
import {readInputFile} from '../util/read-input.ts';
import {repoPath} from '../util/paths.ts';
import type {Deviation} from './types.ts';
import {pairConfig} from './claims.ts';
import {profileName} from './config-key.ts';
import {diffOutcome} from './outcome.ts';
import type {CellResult, ClaimResult, Flake, Verdict} from './types.ts';

export const defaultBaselinePath = repoPath('test/baselines/matrix.json');
export const baselineSchema = 'kplug-baseline/2';

export interface VersionRecord {
	// From the guest.
	kernel: string;
	kmod: string;
	// From the host.
	qemu: string;
	gcc: string;
}

export interface Baseline {
	schema: typeof baselineSchema;
	versions: Record<string, VersionRecord>;
	cells: Record<string, Record<string, unknown>>;
	// Pair claims by "<design>/<profile>/<cpu> <claim>".
	pairs: Record<string, Verdict>;
	// Other outcomes a cell has been seen to end with, each reviewed and explained (a kernel race the scenario can
	// hit): matching one is not a deviation, and the report lists the cell with the reason. Never written by
	// --update-baseline: each is added by hand from an observed run.
	alternatives?: Record<string, AlternativeOutcome[]>;
}

export interface AlternativeOutcome {
	// Why the cell can end this way, and where it was observed.
	why: string;
	outcome: Record<string, unknown>;
}

const empty = (): Baseline => ({schema: baselineSchema, versions: {}, cells: {}, pairs: {}});

// The file's shape, checked (not cast) before anything compares against it.
const baselineInput = z.object({
	schema: z.literal(baselineSchema),
	versions: z.record(z.string(), z.object({kernel: z.string(), kmod: z.string(), qemu: z.string(), gcc: z.string()})),
	cells: z.record(z.string(), z.record(z.string(), z.unknown())),
	pairs: z.record(z.string(), z.enum(['holds', 'fails', 'n/a', 'not evaluated'])),
	// Written by hand: a misspelt field is an error, not silently dropped.
	alternatives: z.optional(z.record(z.string(), z.array(z.strictObject({why: z.string().min(1), outcome: z.record(z.string(), z.unknown())})))),
});

// "cells.weak/arm/neon/lib-first.status: expected …": the first problem, where it is.
function firstIssue(error: z.ZodError): string {
	const issue = error.issues[0];
	if (!issue) return 'invalid';
	return `${issue.path.length ? `${issue.path.join('.')}: ` : ''}${issue.message}`;
}

// Read the baseline file. A missing file is an error (a mistyped --baseline would make every cell a deviation), unless the caller is about
// to record one (allowMissing: an empty baseline). Anything else unreadable is bad input too (exit 2). Only a regular
// file is read (util/read-input.ts).
export async function readBaseline(path = defaultBaselinePath, options: {allowMissing?: boolean} = {}): Promise<Baseline> {
	let text: string;
	try {
		text = await readInputFile(path);
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'ENOENT' && options.allowMissing) return empty();
		if (code === 'ENOENT') throw new UsageError(`${path}: no baseline there (record one with kplug run --update-baseline)`);
		throw new UsageError(`${path}: unreadable baseline (${code ?? String(error)})`);
	}
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch (error) {
		throw new UsageError(`${path}: unreadable baseline (${(error as Error).message})`);
	}
	const checkedInput = baselineInput.safeParse(parsed);
	if (!checkedInput.success) throw new UsageError(`${path}: unreadable baseline (not a ${baselineSchema} file: ${firstIssue(checkedInput.error)})`);
	return checkedInput.data as Baseline;
}

// Versions are recorded per profile, kernel and userland: "thumb2" on the default kernel, "thumb2@6.12" on another,
// "thumb2@6.12+trixie" with another userland (as in the cell keys), so cells are never compared under another kernel's
// or kmod's versions.
export function versionKey(id: CellResult['id']): string {
	return profileName(id);
}

// The versions each profile's cells ran with (the first completed cell of the profile that read them).
export function versionsOf(cells: readonly CellResult[], host: {qemu: string; gcc: string}): Record<string, VersionRecord> {
	const out: Record<string, VersionRecord> = {};
	for (const c of cells) {
		if (c.status !== 'completed' || !c.guest || out[versionKey(c.id)]) continue;
		out[versionKey(c.id)] = {kernel: c.guest.kernel, kmod: c.guest.kmod, qemu: host.qemu, gcc: host.gcc};
	}
	return out;
}

const pairKey = (p: ClaimResult): string => `${pairConfig(p) || '?'} ${p.claim}`;

// The profiles (version keys) whose versions differ from the baseline's, with what changed.
function changedVersions(baseline: Baseline, versions: Record<string, VersionRecord>): Map<string, (keyof VersionRecord)[]> {
	const out = new Map<string, (keyof VersionRecord)[]>();
	for (const [profile, now] of Object.entries(versions).sort()) {
		const then = baseline.versions[profile];
		if (!then) continue;
		const changed = (Object.keys(now) as (keyof VersionRecord)[]).filter(k => then[k] !== now[k]);
		if (changed.length > 0) out.set(profile, changed);
	}
	return out;
}

// One line per profile whose versions differ from the baseline's, with what changed ("- kernel: …", "+ kernel: …"):
// not a deviation; the profile's cells are compared all the same.
export function versionChanges(baseline: Baseline, versions: Record<string, VersionRecord>): VersionChange[] {
	return [...changedVersions(baseline, versions)].map(([profile, changed]) => ({
		profile,
		changed,
		diff: changed.flatMap(k => [`- ${k}: ${baseline.versions[profile]![k]}`, `+ ${k}: ${versions[profile]![k]}`]),
	}));
}

export interface VersionChange {
	profile: string;
	changed: string[];
	diff: string[];
}

// Deviations of a run from the baseline: one per changed cell, one per changed pair claim that was evaluated in both.
// Cells are compared whatever their versions (a version change is versionChanges' line, beside these).
export function compareWithBaseline(baseline: Baseline, cells: readonly CellResult[], pairs: readonly ClaimResult[] = []): Deviation[] {
	const deviations: Deviation[] = [];
	for (const cell of cells) {
		const diff = diffOutcome(baseline.cells[cell.cellKey], cell.outcome);
		if (diff.length > 0 && !alternativeMatched(baseline, cell)) deviations.push({cellKey: cell.cellKey, diff});
	}
	for (const pair of pairs) {
		if (pair.verdict === 'not evaluated') continue;
		const key = pairKey(pair);
		const then = baseline.pairs[key];
		if (then === pair.verdict || then === 'not evaluated') continue;
		deviations.push({cellKey: key, diff: [...(then ? [`- verdict: "${then}"`] : ['+ (new pair claim, not in baseline)']), `+ verdict: "${pair.verdict}"`]});
	}
	return deviations;
}

// The recorded alternative outcome this cell ended with, if it did not end with its baseline outcome.
function alternativeMatched(baseline: Baseline, cell: CellResult): AlternativeOutcome | undefined {
	if (diffOutcome(baseline.cells[cell.cellKey], cell.outcome).length === 0) return undefined;
	return alternativeFor(baseline, cell.cellKey, cell.outcome);
}

// The reviewed alternative of this cell that the outcome is, field for field.
function alternativeFor(baseline: Baseline, key: string, outcome: Record<string, unknown>): AlternativeOutcome | undefined {
	return baseline.alternatives?.[key]?.find(a => diffOutcome(a.outcome, outcome).length === 0);
}

// Cells that ended with a recorded alternative outcome (not deviations), with the recorded reason.
export function knownOutcomes(baseline: Baseline, cells: readonly CellResult[]): {cellKey: string; why: string}[] {
	return cells.flatMap(cell => {
		const matched = alternativeMatched(baseline, cell);
		return matched ? [{cellKey: cell.cellKey, why: matched.why}] : [];
	});
}

// A flake's outcome as the runner wrote it (JSON of an object); anything else is undefined.
function parsedOutcome(text: string): Record<string, unknown> | undefined {
	try {
		const value: unknown = JSON.parse(text);
		return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
	} catch {
		return undefined;
	}
}

// A flake is known when every outcome its repeats ended with is the baseline's or one of the cell's reviewed
// alternatives (with their reasons); a flake with any other outcome is not.
// A `known` the flake already carries (a shard's report) is dropped and judged again against this baseline.
export function explainFlakes(baseline: Baseline, flakes: readonly Flake[], cells: readonly CellResult[]): Flake[] {
	const byKey = new Map(cells.map(c => [c.cellKey, c]));
	return flakes.map(flake => {
		const cell = byKey.get(flake.cellKey);
		const expected = baseline.cells[flake.cellKey];
		const {known: _ignored, ...unexplained} = flake;
		if (!cell || !expected) return unexplained;
		const whys = new Set<string>();
		for (const text of flake.outcomes) {
			const outcome = parsedOutcome(text);
			// Not an outcome this rig wrote (a hand-edited report): nothing explains it.
			if (!outcome) return unexplained;
			if (diffOutcome(expected, outcome).length === 0) continue;
			const alternative = alternativeFor(baseline, flake.cellKey, outcome);
			if (!alternative) return unexplained;
			whys.add(alternative.why);
		}
		return whys.size > 0 ? {...unexplained, known: [...whys].join('; ')} : unexplained;
	});
}

// Refresh the baseline with these cells' outcomes, pair verdicts and versions (others are kept).
export async function updateBaseline(cells: readonly CellResult[], path = defaultBaselinePath, pairs: readonly ClaimResult[] = [], versions: Record<string, VersionRecord> = {}): Promise<number> {
	const baseline = await readBaseline(path, {allowMissing: true});
	// A cell that ended with a recorded alternative keeps its baseline outcome.
	for (const cell of cells) if (!alternativeMatched(baseline, cell)) baseline.cells[cell.cellKey] = cell.outcome;
	for (const pair of pairs) if (pair.verdict !== 'not evaluated') baseline.pairs[pairKey(pair)] = pair.verdict;
	Object.assign(baseline.versions, versions);
	const sorted = <T>(record: Record<string, T>): Record<string, T> => Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));
	const out: Baseline = {schema: baselineSchema, versions: sorted(baseline.versions), cells: sorted(baseline.cells), pairs: sorted(baseline.pairs), ...(baseline.alternatives ? {alternatives: sorted(baseline.alternatives)} : {})};
	await writeFileAtomic(path, JSON.stringify(out, null, 2) + '\n');
	return cells.length;
}
