import {mkdir, readFile, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import test from 'ava';
import {execa} from 'execa';
import {coverageLine, mergeReports, readShardReport, shardCoverage} from '../../../harness/cli/merge-command.ts';
import {reportSchema, type Deviation, type Report, type VectorCellReport} from '../../../harness/report/schema.ts';
import {updateBaseline} from '../../../harness/scenarios/baseline.ts';
import {cellKey} from '../../../harness/scenarios/cell.ts';
import {claimDefinitions, evaluatePairClaims} from '../../../harness/scenarios/claims.ts';
import {shardCells} from '../../../harness/scenarios/matrix.ts';
import {scenarios} from '../../../harness/scenarios/registry.ts';
import type {CellId, CellResult} from '../../../harness/scenarios/types.ts';
import {UsageError} from '../../../harness/util/errors.ts';
import {repoPath} from '../../../harness/util/paths.ts';
import {cell, fixtureKeys, sixCells, toResult} from '../scenarios/_cells.ts';
import {tempDir} from '../../_temp.ts';

const neverRun: CellId = {design: 'weak', profile: 'arm', cpu: 'noneon', scenario: 'modprobe'};

function vectors(design: string, cpu: string): VectorCellReport {
	return {
		design, profile: 'thumb2', cpu, seed: 7, sources: {rfc7748: 3},
		paths: [{path: 'generic', servedBy: ['generic'], total: 3, passed: 3, failed: [], opsPerSecond: 120, guestSeconds: 0.1}],
		archToGenericSpeedRatio: undefined, iterated: [],
	};
}

function shardReport(cells: CellResult[], notRun: CellId[], rest: Partial<Report> = {}): Report {
	const ids = [...cells.map(c => c.id), ...notRun];
	const uniq = (xs: string[]): string[] => [...new Set(xs)];
	return {
		schema: reportSchema,
		generatedAt: '2026-11-25T04:51:45.643Z',
		kplugVersion: '0.1.0',
		host: {cores: 4, node: 'v20.20.0', qemu: 'QEMU emulator version 8.2.2', emulation: 'TCG'},
		kernel: {sourcePackage: 'linux', sourceVersion: '6.1.176-1', release: '6.1.176'},
		matrix: {
			designs: uniq(ids.map(i => i.design)),
			profiles: uniq(ids.map(i => i.profile)),
			cpus: uniq(ids.map(i => i.cpu)),
			scenarios: scenarios.filter(s => ids.some(i => i.scenario === s.id)).map(s => ({id: s.id, title: s.title, description: s.description})),
		},
		claims: [...claimDefinitions],
		cells,
		pairClaims: evaluatePairClaims(cells),
		notRun,
		deviations: [{cellKey: 'stale', diff: ['- stale']}],
		flakes: [],
		vectors: [],
		memory: undefined,
		timing: {wallSeconds: 10, cellMedianSeconds: 1.1, jobs: 2},
		...rest,
	};
}

// Two shards of the six fixture cells: each ran three; each lists one cell of the other shard, and a
// cell nobody ran, as not run (an interrupted shard records what it did not get to).
function twoShards(): [Report, Report, CellResult[]] {
	const cells = sixCells().map(toResult);
	const a = cells.slice(0, 3);
	const b = cells.slice(3);
	return [
		shardReport(a, [b[0]!.id, neverRun], {vectors: [vectors('weak', 'neon')], flakes: [{cellKey: a[0]!.cellKey, outcomes: ['x', 'y']}], timing: {wallSeconds: 40.5, cellMedianSeconds: 1.2, jobs: 2}}),
		shardReport(b, [a[1]!.id, neverRun], {vectors: [vectors('mainline', 'noneon')], timing: {wallSeconds: 71.6, cellMedianSeconds: 1.0, jobs: 4}}),
		cells,
	];
}

test('mergeReports: union of cells, not-run minus what ran, deviations recomputed, vectors concatenated', t => {
	const [a, b, cells] = twoShards();
	let seen: CellResult[] | undefined;
	const deviations: Deviation[] = [{cellKey: cells[2]!.cellKey, diff: ['- steps: "insmod lib: ok"', '+ steps: "insmod lib: ENOENT (exit 1)"']}];
	const merged = mergeReports([a, b], all => {
		seen = all;
		return deviations;
	});
	t.deepEqual(merged.cells.map(c => c.cellKey).sort(), cells.map(c => c.cellKey).sort());
	t.deepEqual(merged.cells, [...a.cells, ...b.cells]);
	t.is(seen, merged.cells, 'the callback gets the merged cells');
	t.is(merged.deviations, deviations);
	t.false(merged.deviations.some(d => d.cellKey === 'stale'), "the shards' own deviations are dropped");
	t.deepEqual(merged.notRun, [neverRun]);
	t.deepEqual(merged.vectors, [...a.vectors, ...b.vectors]);
	t.deepEqual(merged.flakes, a.flakes);
	t.is(merged.schema, reportSchema);
	t.deepEqual(merged.claims, a.claims);
	t.is(merged.memory, undefined);
	t.deepEqual(merged.timing, {wallSeconds: 71.6, cellMedianSeconds: 1.2, jobs: 2});
});

test('mergeReports: the matrix is the union of the shards, scenarios once each', t => {
	const [a, b, cells] = twoShards();
	const merged = mergeReports([a, b], () => []);
	const ids = [...cells.map(c => c.id), neverRun];
	const sortedSet = (xs: string[]): string[] => [...new Set(xs)].sort();
	for (const field of ['designs', 'profiles', 'cpus'] as const) {
		const names = merged.matrix[field];
		t.is(new Set(names).size, names.length, field);
		t.deepEqual([...names].sort(), sortedSet(ids.map(i => i[field.slice(0, -1) as 'design' | 'profile' | 'cpu'])), field);
	}
	const scenarioIds = merged.matrix.scenarios.map(s => s.id);
	t.is(new Set(scenarioIds).size, scenarioIds.length);
	t.deepEqual([...scenarioIds].sort(), sortedSet(ids.map(i => i.scenario)));
});

test('mergeReports: a cell in two shards is kept once, the first one', t => {
	const [a, b] = twoShards();
	const duplicate = {...structuredClone(a.cells[0]!), status: 'error' as const, error: {class: 'boot-timeout', message: 'late'}};
	b.cells.push(duplicate);
	const merged = mergeReports([a, b], () => []);
	const copies = merged.cells.filter(c => c.cellKey === duplicate.cellKey);
	t.is(copies.length, 1);
	t.is(copies[0], a.cells[0]);
	t.is(merged.cells.length, 6);
});

test('mergeReports: every cell of a sharded matrix ends up run or not run, never both', t => {
	const [a, b] = twoShards();
	const merged = mergeReports([b, a], () => []);
	const ran = new Set(merged.cells.map(c => c.cellKey));
	const notRun = merged.notRun.map(cellKey);
	t.false(notRun.some(key => ran.has(key)));
	t.is(new Set(notRun).size, notRun.length);
	t.is(ran.size + notRun.length, 7);
});

test('mergeReports: memory rows and comparisons are concatenated when any shard has them', t => {
	const row = {design: 'weak', profile: 'thumb2', cpu: 'neon', situation: 'loaded', archResident: true, archCoreSize: 9212, archVmallocBytes: 16384, archVmallocPages: 4, memAvailableMedianKb: 213040, boots: 5};
	const [a, b] = twoShards();
	b.memory = {rows: [row], comparisons: []};
	const merged = mergeReports([a, b], () => []);
	t.deepEqual(merged.memory, {rows: [row], comparisons: []});
});

test('mergeReports: the shards\' repeats are one tally (most rounds asked, fewest whole, runs summed); none when no shard repeated', t => {
	const [a, b] = twoShards();
	t.false('repeats' in mergeReports([a, b], () => []));
	a.repeats = {asked: 20, completeRounds: 20, runs: 60};
	b.repeats = {asked: 20, completeRounds: 13, runs: 41};
	t.deepEqual(mergeReports([a, b], () => []).repeats, {asked: 20, completeRounds: 13, runs: 101});
	// A shard run without --repeat ran each of its cells once.
	delete b.repeats;
	t.deepEqual(mergeReports([a, b], () => []).repeats, {asked: 20, completeRounds: 1, runs: 63});
});

test('mergeReports: a new generatedAt; a single report merges to itself', t => {
	const [a] = twoShards();
	const merged = mergeReports([a], () => a.deviations);
	t.not(merged.generatedAt, a.generatedAt);
	t.regex(merged.generatedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
	t.deepEqual({...merged, generatedAt: a.generatedAt}, a);
});

test('mergeReports of no reports is a UsageError', t => {
	t.throws(() => mergeReports([], () => []), {instanceOf: UsageError, message: /no reports/});
});

// Shards that know the matrix they were cut from: the six fixture cells plus one more, in three shards.
function threeShards(): {reports: Report[]; matrixCells: CellId[]} {
	const results = sixCells().map(toResult);
	const matrixCells = [...results.map(c => c.id), neverRun];
	const reports = [1, 2, 3].map(index => {
		const mine = new Set(shardCells(matrixCells, {index, count: 3}).map(cellKey));
		return shardReport(results.filter(c => mine.has(c.cellKey)), [], {shard: {index, count: 3, matrixCells}});
	});
	return {reports, matrixCells};
}

test('shardCoverage: all shards present and complete is nothing missing', t => {
	const {reports} = threeShards();
	// neverRun has no result in the fixtures: give its shard a copy of a cell relabelled as it.
	const holder = reports.find(r => shardCells(r.shard!.matrixCells, r.shard).some(c => cellKey(c) === cellKey(neverRun)))!;
	holder.cells.push({...structuredClone(reports[0]!.cells[0]!), id: neverRun, cellKey: cellKey(neverRun)});
	const coverage = shardCoverage(reports);
	t.deepEqual(coverage, {missing: [], missingShards: [], count: 3});
	t.is(coverageLine(coverage), undefined);
});

test('shardCoverage: a shard without a report is named, and every cell it held is listed as not run', t => {
	const {reports, matrixCells} = threeShards();
	const lost = reports.splice(1, 1)[0]!;
	const lostKeys = shardCells(matrixCells, lost.shard).map(cellKey);
	const coverage = shardCoverage(reports);
	t.deepEqual(coverage.missingShards, [2]);
	// neverRun is in the matrix but in no shard's cells (no fixture result for it): missing too.
	t.deepEqual(coverage.missing.map(cellKey).sort(), [...new Set([...lostKeys, cellKey(neverRun)])].sort());
	const line = coverageLine(coverage) ?? '';
	t.regex(line, /^merge: \d+ cells of the matrix did not run \(no report from shard 2\/3\): /);
	for (const key of lostKeys) t.true(line.includes(key), key);
	t.false(line.includes('\n'));
	const merged = mergeReports(reports, () => []);
	t.deepEqual(merged.notRun.map(cellKey).sort(), coverage.missing.map(cellKey).sort());
	t.is(merged.shard, undefined, 'the merged report is not a shard');
	t.true(merged.matrix.profiles.includes(neverRun.profile), 'the matrix includes the axes of cells not run');
});

test('shardCoverage: shards cut from different matrices are a UsageError', t => {
	const {reports} = threeShards();
	reports[2]!.shard = {...reports[2]!.shard!, matrixCells: reports[2]!.shard!.matrixCells.slice(1)};
	t.throws(() => shardCoverage(reports), {instanceOf: UsageError, message: /different matrices/});
});

test('merge (CLI): a lost shard report fails the merge with one line naming the cells; the report lists them as not run', async t => {
	const dir = await tempDir(t, 'merge');
	const {reports, matrixCells} = threeShards();
	const lost = reports.splice(2, 1)[0]!;
	const dirs = await Promise.all(reports.map(async (r, i) => {
		const d = join(dir, `shard-${i}`);
		await mkdir(d);
		await writeFile(join(d, 'report.json'), JSON.stringify(r));
		return d;
	}));
	const out = join(dir, 'out');
	const result = await execa('node', [repoPath('harness/bin/kplug.mjs'), 'merge', ...dirs, '--out', out, '--json'], {reject: false, env: {CI: 'true'}, timeout: 60_000});
	t.is(result.exitCode, 1, result.stderr);
	const lines = result.stderr.trim().split('\n').filter(l => l.startsWith('kplug: '));
	t.is(lines.length, 1, result.stderr);
	t.regex(lines[0]!, /no report from shard 3\/3/);
	for (const c of shardCells(matrixCells, lost.shard)) t.true(lines[0]!.includes(cellKey(c)), cellKey(c));
	const merged = JSON.parse(result.stdout) as Report;
	t.true(shardCells(matrixCells, lost.shard).every(c => merged.notRun.some(n => cellKey(n) === cellKey(c))));
});

// readShardReport

test('readShardReport reads a shard folder back', async t => {
	const dir = await tempDir(t, 'merge');
	const [a] = twoShards();
	await writeFile(join(dir, 'report.json'), JSON.stringify(a, null, 2));
	t.deepEqual(await readShardReport(dir), JSON.parse(JSON.stringify(a)));
});

test('readShardReport of a missing folder is a UsageError naming report.json', async t => {
	const dir = await tempDir(t, 'merge');
	const missing = join(dir, 'runs', 'run-x');
	const error = await t.throwsAsync(readShardReport(missing), {instanceOf: UsageError});
	t.true(error?.message.startsWith(`${join(missing, 'report.json')}: not a readable report`), error?.message);
	t.regex(error?.message ?? '', /ENOENT/);
});

test('readShardReport of a folder without report.json is a UsageError', async t => {
	const dir = await tempDir(t, 'merge');
	await mkdir(join(dir, 'cells'));
	await t.throwsAsync(readShardReport(dir), {instanceOf: UsageError, message: /report\.json: not a readable report \(ENOENT\)/});
});

const rejectsReport = test.macro<[string, RegExp]>({
	async exec(t, content, message) {
		const dir = await tempDir(t, 'merge');
		await writeFile(join(dir, 'report.json'), content);
		const error = await t.throwsAsync(readShardReport(dir), {instanceOf: UsageError});
		t.true(error?.message.startsWith(join(dir, 'report.json')), error?.message);
		t.regex(error?.message ?? '', message);
	},
	title: (provided = '', content) => `readShardReport rejects ${provided || content}`,
});

test('another schema', rejectsReport, JSON.stringify({schema: 'kplug-report/0', cells: []}), /schema kplug-report\/0, expected kplug-report\/1/);
test('a baseline file', rejectsReport, JSON.stringify({schema: 'kplug-baseline/1', cells: {}}), /schema kplug-baseline\/1, expected kplug-report\/1/);
test('no schema', rejectsReport, '{}', /schema undefined, expected kplug-report\/1/);
test('truncated JSON', rejectsReport, '{"schema": "kplug-report/1", "cells": [', /not a readable report/);
test('a malformed shard field', rejectsReport, JSON.stringify({schema: 'kplug-report/1', cells: [], shard: {index: 3, count: 2, matrixCells: []}}), /malformed "shard"/);
// JSON.parse succeeds, then `report.schema` on null throws a TypeError outside the try.
test('JSON null', rejectsReport, 'null', /report\.json/);

// Load order is judged over a pair of cells: split across shards, each shard says "not evaluated";
// merge evaluates it again over the merged cells.
test('mergeReports: a pair claim split across shards is evaluated over the merged cells', t => {
	const archFirst = toResult(cell(fixtureKeys.weakArchFirst));
	const libFirst = toResult(cell(fixtureKeys.weakLibFirst));
	const a = shardReport([archFirst], []);
	const b = shardReport([libFirst], []);
	t.deepEqual(a.pairClaims?.map(p => p.verdict), ['not evaluated']);
	t.deepEqual(b.pairClaims?.map(p => p.verdict), ['not evaluated']);
	const merged = mergeReports([a, b], () => []);
	t.deepEqual(merged.pairClaims?.map(p => [p.claim, p.verdict, p.cells]), [['C6', 'fails', [archFirst.cellKey, libFirst.cellKey]]]);
});

// Schema-checked, not cast: a wrong field deep inside is one line naming the file and the field.
test('a claim with an unknown verdict', rejectsReport, JSON.stringify({...JSON.parse(JSON.stringify(twoShards()[0])), cells: [{...JSON.parse(JSON.stringify(twoShards()[0].cells[0])), claims: [{claim: 'C1', verdict: 'maybe', evidence: ''}]}]}), /not a kplug-report\/1 report: cells\[0\]\.claims\[0\]\.verdict: Invalid option/);
test('cells that are not a list', rejectsReport, JSON.stringify({...JSON.parse(JSON.stringify(twoShards()[0])), cells: {}}), /: cells: Invalid input: expected array/);

test('mergeReports: a shard\'s known outcomes are not carried over (the merge lists its own, from its baseline)', t => {
	const [a, b] = twoShards();
	const merged = mergeReports([{...a, knownOutcomes: [{cellKey: a.cells[0]!.cellKey, why: 'a race'}]}, b], () => []);
	t.false('knownOutcomes' in merged);
});

test('merge (CLI): a shard\'s flakes are judged against the merge\'s baseline; a `known` the shard wrote is not trusted', async t => {
	const dir = await tempDir(t, 'merge');
	const cells = sixCells().map(toResult);
	const baselinePath = join(dir, 'baseline.json');
	await updateBaseline(cells, baselinePath, evaluatePairClaims(cells));
	const flaky = cells[0]!;
	const other = {...flaky.outcome, status: 'error'};
	const shard = join(dir, 'shard');
	await mkdir(shard);
	const flakes = [{cellKey: flaky.cellKey, outcomes: [JSON.stringify(flaky.outcome), JSON.stringify(other), 'not json'], counts: [18, 1, 1], known: 'the shard says so'}];
	const merge = async (): Promise<{exitCode: number | undefined; report: Report}> => {
		const result = await execa('node', [repoPath('harness/bin/kplug.mjs'), 'merge', shard, '--baseline', baselinePath, '--out', join(dir, 'out'), '--json'], {reject: false, env: {CI: 'true'}, timeout: 60_000});
		return {exitCode: result.exitCode, report: JSON.parse(result.stdout) as Report};
	};
	await writeFile(join(shard, 'report.json'), JSON.stringify(shardReport(cells, [], {flakes})));
	const unexplained = await merge();
	t.is(unexplained.exitCode, 1);
	t.deepEqual(unexplained.report.deviations, []);
	t.is(unexplained.report.flakes[0]?.known, undefined);
	// The same flake without the unreadable outcome, and the other outcome recorded as a reviewed alternative: explained.
	const baseline = JSON.parse(await readFile(baselinePath, 'utf8')) as Record<string, unknown>;
	await writeFile(baselinePath, JSON.stringify({...baseline, alternatives: {[flaky.cellKey]: [{why: 'a reviewed race', outcome: other}]}}));
	await writeFile(join(shard, 'report.json'), JSON.stringify(shardReport(cells, [], {flakes: [{...flakes[0]!, outcomes: flakes[0]!.outcomes.slice(0, 2), counts: [19, 1]}]})));
	const explained = await merge();
	t.is(explained.exitCode, 0);
	t.is(explained.report.flakes[0]?.known, 'a reviewed race');
	t.deepEqual(explained.report.flakes[0]?.counts, [19, 1]);
});

test('a flake whose counts do not match its outcomes', rejectsReport, JSON.stringify({...JSON.parse(JSON.stringify(twoShards()[0])), flakes: [{cellKey: 'x', outcomes: ['a', 'b'], counts: [1]}]}), /flakes\[0\]: counts and outcomes differ in length/);

// A Debian point release changes the kernel version a profile's cells read: one line for the profile, the cells
// still compared. Equal outcomes pass; a changed one is a deviation beside the version line.
test('merge (CLI): a version change is one line per profile; the cells are compared all the same', async t => {
	const dir = await tempDir(t, 'merge');
	const guest = {kernel: 'Linux version 6.1.192 (kplug@kplug)', kmod: 'kmod version 30'};
	const cells = sixCells().map(toResult).map(c => ({...c, guest}));
	const baselinePath = join(dir, 'baseline.json');
	await updateBaseline(cells, baselinePath, evaluatePairClaims(cells));
	const recorded = JSON.parse(await readFile(baselinePath, 'utf8')) as {versions: Record<string, unknown>};
	// The versions the baseline recorded: those of an older point release, for every profile the cells ran on.
	const profiles = [...new Set(cells.map(c => c.id.profile))];
	const older = (qemu: string, gcc: string) => ({kernel: 'Linux version 6.1.176 (kplug@kplug)', kmod: guest.kmod, qemu, gcc});
	const shard = join(dir, 'shard');
	await mkdir(shard);
	const shardHost = {qemu: 'QEMU emulator version 9.9.9 (not this machine)', gcc: 'arm-linux-gnueabihf-gcc (Debian 99.1.0-1) 99.1.0'};
	const merge = async (shardCellsNow: CellResult[]): Promise<{exitCode: number | undefined; report: Report}> => {
		// The shard ran on another host than this one (the nightly merges on a machine without QEMU or cross-gcc).
		await writeFile(join(shard, 'report.json'), JSON.stringify(shardReport(shardCellsNow, [], {host: {cores: 2, node: 'v20.20.0', qemu: shardHost.qemu, gcc: shardHost.gcc, emulation: 'TCG'}})));
		const result = await execa('node', [repoPath('harness/bin/kplug.mjs'), 'merge', shard, '--baseline', baselinePath, '--out', join(dir, 'out'), '--json'], {reject: false, env: {CI: 'true'}, timeout: 60_000});
		return {exitCode: result.exitCode, report: JSON.parse(result.stdout) as Report};
	};
	// The baseline has no versions yet: nothing to compare them with.
	const first = await merge(cells);
	t.is(first.exitCode, 0);
	t.is(first.report.versionChanges, undefined);
	// Record the shard host's QEMU and gcc (not this machine's), so only the kernel differs.
	await writeFile(baselinePath, JSON.stringify({...recorded, versions: Object.fromEntries(profiles.map(p => [p, older(shardHost.qemu, shardHost.gcc)]))}));
	const same = await merge(cells);
	t.is(same.exitCode, 0);
	t.deepEqual(same.report.deviations, []);
	t.deepEqual(same.report.versionChanges?.map(v => [v.profile, v.changed]), profiles.sort().map(p => [p, ['kernel']]));
	t.deepEqual(same.report.versionChanges?.[0]?.diff, ['- kernel: Linux version 6.1.176 (kplug@kplug)', '+ kernel: Linux version 6.1.192 (kplug@kplug)']);
	// One cell's outcome changed under the new release: that cell is a deviation, the version lines stay.
	const changed = cells.map((c, i) => (i === 0 ? {...c, outcome: {...c.outcome, status: 'error'}} : c));
	const differs = await merge(changed);
	t.is(differs.exitCode, 1);
	t.deepEqual(differs.report.deviations.map(d => d.cellKey), [cells[0]!.cellKey]);
	t.is(differs.report.versionChanges?.length, profiles.length);
});

test('merge (CLI): a mistyped --baseline is one line and exit 2, not every cell a deviation', async t => {
	const dir = await tempDir(t, 'merge');
	const shard = join(dir, 'shard');
	await mkdir(shard);
	await writeFile(join(shard, 'report.json'), JSON.stringify(shardReport(sixCells().map(toResult), [])));
	const missing = join(dir, 'nope.json');
	const result = await execa('node', [repoPath('harness/bin/kplug.mjs'), 'merge', shard, '--baseline', missing, '--out', join(dir, 'out')], {reject: false, env: {CI: 'true'}, timeout: 60_000});
	t.is(result.exitCode, 2);
	t.is(result.stderr.trim(), `kplug: ${missing}: no baseline there (record one with kplug run --update-baseline)`);
	t.is(result.stdout, '');
});
