import {existsSync} from 'node:fs';
import {readdir, readFile, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import test from 'ava';
import {compareWithBaseline, defaultBaselinePath, explainFlakes, knownOutcomes, readBaseline, updateBaseline, versionChanges, versionsOf, type Baseline} from '../../../harness/scenarios/baseline.ts';
import {startKernels} from '../../../harness/build/kernels.ts';
import {cellKey} from '../../../harness/scenarios/cell.ts';
import {claimDefinitions} from '../../../harness/scenarios/claims.ts';
import {expandMatrix} from '../../../harness/scenarios/matrix.ts';
import {UsageError} from '../../../harness/util/errors.ts';
import {execa} from 'execa';
import {repoPath} from '../../../harness/util/paths.ts';
import {cell, fixtureCells, fixtureKeys as k, toResult} from './_cells.ts';
import {tempDir} from '../../_temp.ts';

const committed = existsSync(defaultBaselinePath);

const baselineOf = (cells = fixtureCells()): Baseline => ({schema: 'kplug-baseline/2', versions: {}, pairs: {}, cells: Object.fromEntries(cells.map(toResult).map(c => [c.cellKey, c.outcome]))});

test('readBaseline of a missing file is bad input (a mistyped --baseline), and an empty baseline only when about to record one', async t => {
	const dir = await tempDir(t, 'baseline');
	const path = join(dir, 'nope', 'matrix.json');
	const error = await t.throwsAsync(readBaseline(path), {instanceOf: UsageError});
	t.is(error.message, `${path}: no baseline there (record one with kplug run --update-baseline)`);
	t.deepEqual(await readBaseline(path, {allowMissing: true}), {schema: 'kplug-baseline/2', versions: {}, cells: {}, pairs: {}});
});

test('readBaseline of a FIFO is refused at once, not read (it would block)', async t => {
	const dir = await tempDir(t, 'baseline');
	const fifo = join(dir, 'fifo');
	await execa('mkfifo', [fifo]);
	const error = await t.throwsAsync(readBaseline(fifo, {allowMissing: true}), {instanceOf: UsageError});
	t.is(error.message, `${fifo}: unreadable baseline (not a regular file)`);
});

const rejectsBaseline = test.macro<[string, RegExp]>({
	async exec(t, content, reason) {
		const dir = await tempDir(t, 'baseline');
		const path = join(dir, 'matrix.json');
		await writeFile(path, content);
		const error = await t.throwsAsync(readBaseline(path), {instanceOf: UsageError});
		t.true(error?.message.startsWith(`${path}: unreadable baseline (`), error?.message);
		t.regex(error?.message ?? '', reason);
	},
	title: (provided = '', content) => `readBaseline rejects ${provided || JSON.stringify(content)} naming the file`,
});

test('truncated JSON', rejectsBaseline, '{"schema": "kplug-baseline/2", "cells": {', /JSON/);
test('an empty file', rejectsBaseline, '', /JSON/);
test('JSON null', rejectsBaseline, 'null', /not a kplug-baseline\/2 file/);
test('the old schema (no versions, no pairs)', rejectsBaseline, '{"schema": "kplug-baseline/1", "cells": {}}', /not a kplug-baseline\/2 file/);
test('a report.json instead of a baseline', rejectsBaseline, '{"schema": "kplug-report/1", "cells": []}', /not a kplug-baseline\/2 file/);
test('cells missing', rejectsBaseline, '{"schema": "kplug-baseline/2", "versions": {}, "pairs": {}}', /not a kplug-baseline\/2 file/);
test('a pair verdict that is not a verdict, named by where it is', rejectsBaseline, '{"schema": "kplug-baseline/2", "versions": {}, "cells": {}, "pairs": {"weak/thumb2/neon C6": "maybe"}}', /pairs\.weak\/thumb2\/neon C6: /);
test('a version record missing kmod', rejectsBaseline, '{"schema": "kplug-baseline/2", "versions": {"thumb2": {"kernel": "k", "qemu": "q", "gcc": "g"}}, "cells": {}, "pairs": {}}', /versions\.thumb2\.kmod: /);
test('versions missing', rejectsBaseline, '{"schema": "kplug-baseline/2", "cells": {}, "pairs": {}}', /not a kplug-baseline\/2 file/);
// typeof null === 'object' passes a naive check; compareWithBaseline then throws a TypeError.
test('cells null', rejectsBaseline, '{"schema": "kplug-baseline/2", "versions": {}, "pairs": {}, "cells": null}', /not a kplug-baseline\/2 file/);

// A folder given as --baseline should not silently compare every cell as new (and --update-baseline then fails on
// rename): bad input, exit 2.
test('readBaseline of a folder is bad input, not an empty baseline', async t => {
	const dir = await tempDir(t, 'baseline');
	const error = await t.throwsAsync(readBaseline(dir, {allowMissing: true}), {instanceOf: UsageError});
	t.is(error.message, `${dir}: unreadable baseline (EISDIR)`);
});

test('updateBaseline writes keys sorted, keeps other cells, replaces updated ones', async t => {
	const dir = await tempDir(t, 'baseline');
	const path = join(dir, 'matrix.json');
	const kept = {status: 'completed', steps: ['modprobe driver: ok'], claims: {C1: 'n/a'}};
	await writeFile(
		path,
		JSON.stringify({
			schema: 'kplug-baseline/2',
			versions: {},
			pairs: {},
			cells: {'zzz/thumb2/neon/modprobe': kept, [k.weakRmmod]: {status: 'error', error: 'boot-timeout'}, 'aaa/arm/neon/modprobe': kept},
		}),
	);
	const updated = [cell(k.weakRmmod), cell(k.mainlineNoArch), cell(k.weakLibFirst)].map(toResult);
	t.is(await updateBaseline(updated, path), 3);
	const text = await readFile(path, 'utf8');
	t.true(text.endsWith('}\n'));
	t.true(text.includes('\n  "cells": {\n'), 'indented for review');
	const written = JSON.parse(text) as Baseline;
	t.is(written.schema, 'kplug-baseline/2');
	const keys = Object.keys(written.cells);
	t.deepEqual(keys, ['aaa/arm/neon/modprobe', k.mainlineNoArch, k.weakLibFirst, k.weakRmmod, 'zzz/thumb2/neon/modprobe']);
	t.deepEqual(keys, [...keys].sort());
	t.deepEqual(written.cells['aaa/arm/neon/modprobe'], kept);
	t.deepEqual(written.cells['zzz/thumb2/neon/modprobe'], kept);
	for (const c of updated) t.deepEqual(written.cells[c.cellKey], JSON.parse(JSON.stringify(c.outcome)), c.cellKey);
	t.deepEqual(await readdir(dir), ['matrix.json'], 'no temporary file left behind');
	t.deepEqual(await readBaseline(path), written);
});

test('updateBaseline creates a missing baseline (and its folder)', async t => {
	const dir = await tempDir(t, 'baseline');
	const path = join(dir, 'baselines', 'matrix.json');
	const cells = fixtureCells().map(toResult);
	t.is(await updateBaseline(cells, path), cells.length);
	const written = await readBaseline(path);
	t.deepEqual(Object.keys(written.cells), cells.map(c => c.cellKey).sort());
	t.deepEqual(compareWithBaseline(written, cells), []);
});

test('updateBaseline refuses to overwrite a malformed baseline', async t => {
	const dir = await tempDir(t, 'baseline');
	const path = join(dir, 'matrix.json');
	await writeFile(path, '{oops');
	await t.throwsAsync(updateBaseline([toResult(cell(k.weakRmmod))], path), {instanceOf: UsageError});
	t.is(await readFile(path, 'utf8'), '{oops');
});

test('compareWithBaseline flags only the changed and the new cells', t => {
	const baseline = baselineOf(fixtureCells().filter(c => c.cellKey !== k.weakBlacklist));
	const observed = fixtureCells().map(obs => {
		if (obs.cellKey === k.weakNoArch) {
			// The library now refuses to load without the arch module.
			const lib = obs.steps.find(s => s.label === 'insmod lib');
			if (!lib) throw new Error('fixture has no insmod lib step');
			Object.assign(lib, {exitCode: 1, errno: 'ENOENT'});
		}
		if (obs.cellKey === k.weakRmmod) {
			// Timing and log noise only: not a deviation.
			obs.durationMs += 5000;
			obs.bootMs += 300;
			obs.logDir = 'somewhere/else';
		}
		return toResult(obs);
	});
	const deviations = compareWithBaseline(baseline, observed);
	t.deepEqual(deviations.map(d => d.cellKey), [k.weakNoArch, k.weakBlacklist]);
	const [changed, added] = deviations;
	t.deepEqual(changed?.diff, ['- steps: "insmod lib [kmod]: ok"', '+ steps: "insmod lib [kmod]: ENOENT (exit 1)"']);
	t.is(added?.diff[0], '+ (new cell, not in baseline)');
});

test('compareWithBaseline of an unchanged run and of an empty run', t => {
	const cells = fixtureCells().map(toResult);
	t.deepEqual(compareWithBaseline(baselineOf(), cells), []);
	t.deepEqual(compareWithBaseline(baselineOf(), []), []);
	t.is(compareWithBaseline({schema: 'kplug-baseline/2', versions: {}, pairs: {}, cells: {}}, cells).length, cells.length);
});

// The weak no-arch cell as if a race had made the library refuse to load.
function raced(): ReturnType<typeof toResult>[] {
	return fixtureCells().map(obs => {
		if (obs.cellKey === k.weakNoArch) Object.assign(obs.steps.find(s => s.label === 'insmod lib')!, {exitCode: 1, errno: 'ENOENT'});
		return toResult(obs);
	});
}

test('a recorded alternative outcome is not a deviation, and is listed with its reason; another outcome still deviates', t => {
	const alternative = raced().find(c => c.cellKey === k.weakNoArch)!.outcome;
	const baseline: Baseline = {...baselineOf(), alternatives: {[k.weakNoArch]: [{why: 'a race', outcome: alternative}]}};
	t.deepEqual(compareWithBaseline(baseline, raced()), []);
	t.deepEqual(knownOutcomes(baseline, raced()), [{cellKey: k.weakNoArch, why: 'a race'}]);
	// The baseline outcome itself is not "known": nothing to list.
	t.deepEqual(knownOutcomes(baseline, fixtureCells().map(toResult)), []);
	// A third outcome of the same cell deviates from the baseline outcome.
	const third = fixtureCells().map(obs => {
		if (obs.cellKey === k.weakNoArch) Object.assign(obs.steps.find(s => s.label === 'insmod lib')!, {exitCode: 1, errno: 'EINVAL'});
		return toResult(obs);
	});
	const deviations = compareWithBaseline(baseline, third);
	t.deepEqual(deviations.map(d => d.cellKey), [k.weakNoArch]);
	t.deepEqual(deviations[0]?.diff, ['- steps: "insmod lib [kmod]: ok"', '+ steps: "insmod lib [kmod]: EINVAL (exit 1)"']);
	// An alternative recorded for another cell does not cover this one.
	t.is(compareWithBaseline({...baselineOf(), alternatives: {[k.weakRmmod]: [{why: 'a race', outcome: alternative}]}}, raced()).length, 1);
});

test('updateBaseline keeps the baseline outcome of a cell that ended with a recorded alternative, and keeps the alternatives', async t => {
	const dir = await tempDir(t, 'baseline');
	const path = join(dir, 'matrix.json');
	const alternative = raced().find(c => c.cellKey === k.weakNoArch)!.outcome;
	const before: Baseline = {...baselineOf(), alternatives: {[k.weakNoArch]: [{why: 'a race', outcome: alternative}]}};
	await writeFile(path, JSON.stringify(before));
	await updateBaseline(raced(), path);
	const after = await readBaseline(path);
	t.deepEqual(after.cells[k.weakNoArch], before.cells[k.weakNoArch]);
	t.deepEqual(after.alternatives, before.alternatives);
});

test('a cell of a profile whose versions changed is still listed as a known outcome', t => {
	const cells = raced();
	const alternative = cells.find(c => c.cellKey === k.weakNoArch)!.outcome;
	const record = {kernel: 'k', kmod: 'm', qemu: 'q', gcc: 'g'};
	const profile = cells.find(c => c.cellKey === k.weakNoArch)!.id.profile;
	const baseline: Baseline = {...baselineOf(), versions: {[profile]: record}, alternatives: {[k.weakNoArch]: [{why: 'a race', outcome: alternative}]}};
	t.deepEqual(knownOutcomes(baseline, cells), [{cellKey: k.weakNoArch, why: 'a race'}]);
	t.deepEqual(versionChanges(baseline, {[profile]: {...record, kernel: 'k2'}}).map(v => v.profile), [profile]);
	t.deepEqual(compareWithBaseline(baseline, cells), []);
});

test('a flake is explained only when each outcome its repeats ended with is the baseline\'s or a reviewed alternative', t => {
	const cells = fixtureCells().map(toResult);
	const base = cells.find(c => c.cellKey === k.weakNoArch)!.outcome;
	const alternative = raced().find(c => c.cellKey === k.weakNoArch)!.outcome;
	const third = fixtureCells().map(obs => {
		if (obs.cellKey === k.weakNoArch) Object.assign(obs.steps.find(s => s.label === 'insmod lib')!, {exitCode: 1, errno: 'EINVAL'});
		return toResult(obs);
	}).find(c => c.cellKey === k.weakNoArch)!.outcome;
	const baseline: Baseline = {...baselineOf(), alternatives: {[k.weakNoArch]: [{why: 'a race', outcome: alternative}]}};
	const flake = (...outcomes: unknown[]) => ({cellKey: k.weakNoArch, outcomes: outcomes.map(o => JSON.stringify(o)), counts: outcomes.map(() => 1)});
	// Baseline and alternative: known, with the reason.
	t.is(explainFlakes(baseline, [flake(base, alternative)], cells)[0]?.known, 'a race');
	// A third outcome beside them: unexplained.
	t.is(explainFlakes(baseline, [flake(base, alternative, third)], cells)[0]?.known, undefined);
	t.is(explainFlakes(baseline, [flake(base, third)], cells)[0]?.known, undefined);
	// No alternative recorded for the cell: unexplained.
	t.is(explainFlakes(baselineOf(), [flake(base, alternative)], cells)[0]?.known, undefined);
	// A flake of a cell the run does not hold (a hand-edited report): unexplained.
	t.is(explainFlakes(baseline, [flake(base, alternative)], cells.filter(c => c.cellKey !== k.weakNoArch))[0]?.known, undefined);
	// Counts are kept.
	t.deepEqual(explainFlakes(baseline, [flake(base, alternative)], cells)[0]?.counts, [1, 1]);
});

test('readBaseline rejects a misspelt field in an alternative', async t => {
	const dir = await tempDir(t, 'baseline');
	const path = join(dir, 'matrix.json');
	await writeFile(path, JSON.stringify({...baselineOf(), alternatives: {[k.weakNoArch]: [{why: 'a race', outcome: {}, seen: 'arm'}]}}));
	const error = await t.throwsAsync(readBaseline(path), {instanceOf: UsageError});
	t.regex(error?.message ?? '', /alternatives\./);
});

test('readBaseline rejects an alternative without a reason', async t => {
	const dir = await tempDir(t, 'baseline');
	const path = join(dir, 'matrix.json');
	await writeFile(path, JSON.stringify({...baselineOf(), alternatives: {[k.weakNoArch]: [{why: '', outcome: {}}]}}));
	const error = await t.throwsAsync(readBaseline(path), {instanceOf: UsageError});
	t.regex(error?.message ?? '', /alternatives\./);
});

(committed ? test : test.skip)('every recorded alternative of the committed baseline belongs to a baseline cell and differs from its outcome', async t => {
	const baseline = await readBaseline();
	const alternatives = Object.entries(baseline.alternatives ?? {});
	t.true(alternatives.length > 0);
	for (const [key, list] of alternatives) {
		t.truthy(baseline.cells[key], key);
		for (const a of list) t.notDeepEqual(a.outcome, baseline.cells[key], key);
	}
});

test('the default baseline is the committed test/baselines/matrix.json', t => {
	t.is(defaultBaselinePath, repoPath('test', 'baselines', 'matrix.json'));
});


(committed ? test : test.skip)('the committed baseline has exactly the cells of the full matrix on the start kernels (6.1, 6.12 with both userlands, 7.3)', async t => {
	const baseline = await readBaseline();
	const expected = (await expandMatrix({kernels: [...startKernels]})).map(cellKey).sort();
	const keys = Object.keys(baseline.cells);
	// 6.1: 312 (every profile); 6.12: 104 with bookworm's kmod 30 and 104 with trixie's kmod 34; 7.3: 104 (thumb2;
	// mainline's 26 on 7.3 are the consolidated library's).
	t.is(keys.length, 312 + 104 + 104 + 104);
	t.is(keys.filter(k => k.includes('@6.12/')).length, 104);
	t.is(keys.filter(k => k.includes('@6.12+trixie/')).length, 104);
	t.is(baseline.versions['thumb2@6.12+trixie']?.kmod, 'kmod version 34.2');
	t.deepEqual(keys.filter(k => baseline.cells[k]!['status'] !== 'completed'), [], 'every cell completed, mainline@7.3 included');
	t.deepEqual(keys.filter(k => baseline.cells[k]!['archModule']).map(k => k.split('/').slice(0, 2).join('/')), Array(26).fill('mainline/thumb2@7.3'), 'the consolidated cells say where the arch code is');
	t.deepEqual([...keys].sort(), expected);
	t.deepEqual(
		expected.filter(key => !(key in baseline.cells)),
		[],
		'missing',
	);
	t.deepEqual(
		keys.filter(key => !expected.includes(key)),
		[],
		'extra',
	);
	t.deepEqual(keys, [...keys].sort(), 'kept sorted as updateBaseline writes it');
});

(committed ? test : test.skip)('every completed cell of the committed baseline has a verdict for every claim', async t => {
	const baseline = await readBaseline();
	const ids = claimDefinitions.filter(c => c.scope === 'cell').map(c => c.id);
	for (const [key, outcome] of Object.entries(baseline.cells)) {
		if (outcome['status'] !== 'completed') continue;
		t.deepEqual(Object.keys(outcome['claims'] as object), ids, key);
		t.true(Array.isArray(outcome['steps']) && Array.isArray(outcome['probes']), key);
	}
});

test('updateBaseline with no cells writes an empty, well-formed baseline', async t => {
	const dir = await tempDir(t, 'baseline');
	const path = join(dir, 'matrix.json');
	t.is(await updateBaseline([], path), 0);
	t.is(await readFile(path, 'utf8'), '{\n  "schema": "kplug-baseline/2",\n  "versions": {},\n  "cells": {},\n  "pairs": {}\n}\n');
});

const versions = {kernel: 'Linux version 6.1.176 (kplug@kplug) (arm-linux-gnueabihf-gcc (Debian 12.2.0-14) 12.2.0) #1 2019-10-04', kmod: 'kmod version 30', qemu: 'QEMU emulator version 7.2.15', gcc: 'arm-linux-gnueabihf-gcc (Debian 12.2.0-14) 12.2.0'};

// A run on another kernel or kmod is one clear line per profile (not a deviation), and its cells are compared all
// the same: a point release that changes nothing passes, one that changes a cell shows that cell.
test('a version change is one line for the profile, and its cells are still compared', t => {
	const cells = fixtureCells().map(obs => {
		const lib = obs.steps.find(s => s.label === 'insmod lib');
		if (lib && obs.id.profile === 'thumb2') Object.assign(lib, {exitCode: 1, errno: 'ENOENT'});
		return toResult(obs);
	});
	const baseline = {...baselineOf(), versions: {thumb2: versions, arm: versions}};
	const now = {thumb2: {...versions, kmod: 'kmod version 34'}, arm: versions};
	t.deepEqual(versionChanges(baseline, now), [{profile: 'thumb2', changed: ['kmod'], diff: ['- kmod: kmod version 30', '+ kmod: kmod version 34']}]);
	// The changed thumb2 cells deviate whatever the versions; the arm cells, unchanged, do not.
	const deviations = compareWithBaseline(baseline, cells);
	t.true(deviations.length > 0);
	t.true(deviations.every(d => d.cellKey.includes('/thumb2/')));
	t.false(deviations.some(d => d.cellKey.startsWith('versions/')));
	// Same outcomes under the new versions: no deviation at all, only the version line.
	t.deepEqual(compareWithBaseline(baseline, fixtureCells().map(toResult)), []);
	// The same versions: no line.
	t.deepEqual(versionChanges(baseline, {thumb2: versions}), []);
	// A profile the baseline never recorded is not a version change (its cells are new cells).
	t.deepEqual(versionChanges(baseline, {'thumb2@6.12': versions}), []);
});

// Cells on another kernel carry their own version key (thumb2@6.12), never the default kernel's profile's.
test('cells on another kernel are compared under their own versions, not the default kernel\'s', t => {
	const on612 = fixtureCells().filter(o => o.id.profile === 'thumb2' && o.id.design === 'weak').slice(0, 3).map(obs => {
		obs.id = {...obs.id, kernel: '6.12'};
		obs.cellKey = cellKey(obs.id);
		if (obs.guest) obs.guest = {...obs.guest, kernel: 'Linux version 6.12.117 (kplug@kplug)'};
		return toResult(obs);
	});
	t.deepEqual(Object.keys(versionsOf(on612, {qemu: versions.qemu, gcc: versions.gcc})), ['thumb2@6.12']);
	const now = versionsOf(on612, {qemu: versions.qemu, gcc: versions.gcc});
	// Not in a baseline recorded on 6.1: new cells, not "thumb2 was recorded with other versions".
	const fresh = compareWithBaseline({...baselineOf(), versions: {thumb2: versions}}, on612);
	t.deepEqual(fresh.map(d => d.cellKey), on612.map(c => c.cellKey));
	t.true(fresh.every(d => d.diff[0] === '+ (new cell, not in baseline)'));
	t.deepEqual(versionChanges({...baselineOf(), versions: {thumb2: versions}}, now), []);
	// Recorded on 6.12 with other versions: one line for thumb2@6.12, none for thumb2.
	const then = {...baselineOf(), versions: {thumb2: versions, 'thumb2@6.12': {...versions, kernel: 'Linux version 6.12.100'}}};
	t.deepEqual(versionChanges(then, now).map(v => v.profile), ['thumb2@6.12']);
});

test('pair claims: a changed evaluated verdict deviates, "not evaluated" never does', t => {
	const baseline = {...baselineOf(), pairs: {'weak/thumb2/neon C6': 'fails' as const}};
	const pair = (verdict: 'holds' | 'fails' | 'not evaluated') => ({claim: 'C6', verdict, evidence: '', cells: ['weak/thumb2/neon/arch-first', 'weak/thumb2/neon/lib-first']});
	t.deepEqual(compareWithBaseline(baseline, [], [pair('fails')]), []);
	t.deepEqual(compareWithBaseline(baseline, [], [pair('not evaluated')]), []);
	t.deepEqual(compareWithBaseline(baseline, [], [pair('holds')]), [{cellKey: 'weak/thumb2/neon C6', diff: ['- verdict: "fails"', '+ verdict: "holds"']}]);
});

test('updateBaseline records versions and evaluated pair verdicts', async t => {
	const dir = await tempDir(t, 'baseline');
	const path = join(dir, 'matrix.json');
	const pairs = [
		{claim: 'C6', verdict: 'fails' as const, evidence: '', cells: ['weak/arm/neon/arch-first', 'weak/arm/neon/lib-first']},
		{claim: 'C6', verdict: 'not evaluated' as const, evidence: '', cells: ['weak/thumb2/neon/arch-first', 'weak/thumb2/neon/lib-first']},
	];
	await updateBaseline([], path, pairs, {arm: versions});
	const written = await readBaseline(path);
	t.deepEqual(written.pairs, {'weak/arm/neon C6': 'fails'});
	t.deepEqual(written.versions, {arm: versions});
});
