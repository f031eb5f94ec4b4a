import test from 'ava';
import {profileNames} from '../../../harness/build/profiles.ts';
import {cellKey} from '../../../harness/scenarios/cell.ts';
import {expandMatrix, parseShard, shardCells, type MatrixFilter} from '../../../harness/scenarios/matrix.ts';
import {scenarios} from '../../../harness/scenarios/registry.ts';
import type {CellId} from '../../../harness/scenarios/types.ts';
import {designs} from '../../../harness/subject/designs.ts';
import {UsageError} from '../../../harness/util/errors.ts';
import {cpuModels} from '../../../harness/vm/cpu-models.ts';

test('expandMatrix({}): 4 designs × 3 profiles × 2 CPUs × 13 scenarios = 312 distinct cells', async t => {
	const cells = await expandMatrix({});
	t.is(designs.length, 4);
	t.is((await profileNames()).length, 3);
	t.is(cpuModels.length, 2);
	t.is(scenarios.length, 13);
	t.is(cells.length, 312);
	const keys = cells.map(cellKey);
	t.is(new Set(keys).size, 312);
	const expected: string[] = [];
	for (const d of designs) for (const p of await profileNames()) for (const c of cpuModels) for (const s of scenarios) expected.push(`${d.name}/${p}/${c.name}/${s.id}`);
	t.deepEqual([...keys].sort(), expected.sort());
});

test('expandMatrix({}) is in report order: scenario, then design, profile, CPU', async t => {
	const cells = await expandMatrix({});
	t.deepEqual(cells.slice(0, 3).map(cellKey), ['mainline/thumb2/neon/arch-first', 'mainline/thumb2/noneon/arch-first', 'mainline/arm/neon/arch-first']);
	t.deepEqual([...new Set(cells.map(c => c.scenario))], scenarios.map(s => s.id));
	t.is(cellKey(cells[311]!), 'static-call/thumb2-noplts/noneon/blacklist-cmdline-kernel');
});

test('filters combine', async t => {
	const filter: MatrixFilter = {designs: ['weak'], cpus: ['noneon'], scenarios: ['rmmod', 'no-arch']};
	const cells = await expandMatrix(filter);
	t.is(cells.length, 2 * 3);
	for (const c of cells) {
		t.is(c.design, 'weak');
		t.is(c.cpu, 'noneon');
		t.true(['rmmod', 'no-arch'].includes(c.scenario));
	}
	t.deepEqual(new Set(cells.map(c => c.profile)), new Set(await profileNames()));
	const one = await expandMatrix({...filter, profiles: ['arm'], scenarios: ['rmmod']});
	t.deepEqual(one, [{design: 'weak', profile: 'arm', cpu: 'noneon', scenario: 'rmmod'}]);
	t.is((await expandMatrix({profiles: ['thumb2-noplts']})).length, 104);
});

const rejectsName = test.macro<[MatrixFilter, RegExp, string[]]>({
	async exec(t, filter, message, valid) {
		const error = await t.throwsAsync(expandMatrix(filter), {instanceOf: UsageError});
		t.regex(error?.message ?? '', message);
		for (const name of valid) t.true(error?.message.includes(name), `${name} listed in: ${error?.message}`);
		t.is((error as UsageError | undefined)?.exitCode, 2);
	},
	title: (provided = '', filter) => `expandMatrix rejects ${provided || JSON.stringify(filter)}, listing the valid names`,
});

test(rejectsName, {designs: ['strong']}, /unknown design "strong"/, ['mainline', 'weak', 'softdep', 'static-call']);
test(rejectsName, {profiles: ['thumb3']}, /unknown profile "thumb3"/, ['thumb2', 'arm', 'thumb2-noplts']);
test(rejectsName, {cpus: ['sve']}, /unknown CPU model "sve"/, ['neon', 'noneon']);
test(rejectsName, {scenarios: ['insmod']}, /unknown scenario "insmod"/, scenarios.map(s => s.id));
test('a bad name among good ones', rejectsName, {designs: ['weak'], scenarios: ['rmmod', 'rmmmod']}, /unknown scenario "rmmmod"/, ['rmmod', 'no-arch']);

const acceptsShard = test.macro<[string, number, number]>({
	exec(t, text, index, count) {
		t.deepEqual(parseShard(text), {index, count});
	},
	title: (provided = '', text) => `${provided} parseShard accepts ${JSON.stringify(text)}`.trim(),
});

test(acceptsShard, '1/1', 1, 1);
test(acceptsShard, '2/3', 2, 3);
test(acceptsShard, '3/3', 3, 3);
test(acceptsShard, ' 4/16 ', 4, 16);

const rejectsShard = test.macro<[string]>({
	exec(t, text) {
		const error = t.throws(() => parseShard(text), {instanceOf: UsageError});
		t.regex(error?.message ?? '', /^--shard must be i\/n/);
		t.true(error?.message.includes(`"${text}"`), error?.message);
	},
	title: (provided = '', text) => `${provided} parseShard rejects ${JSON.stringify(text)}`.trim(),
});

for (const text of ['0/2', '3/2', 'a/b', '1', '1/0', '0/0', '-1/2', '1/2/3', '1.5/2', '', '/', '1/', '/2']) test(rejectsShard, text);

function checkPartition(t: {deepEqual: (a: unknown, b: unknown, m?: string) => void; true: (v: boolean, m?: string) => void}, cells: readonly CellId[], count: number): void {
	const shards = Array.from({length: count}, (_, i) => shardCells(cells, {index: i + 1, count}).map(cellKey));
	const union = shards.flat();
	t.deepEqual([...union].sort(), cells.map(cellKey).sort(), `union of ${count} shards is every cell, once`);
	t.true(new Set(union).size === union.length, `${count} shards are pairwise disjoint`);
	const sizes = shards.map(s => s.length);
	t.true(Math.max(...sizes) - Math.min(...sizes) <= 1, `${count} shard sizes ${sizes.join(',')} differ by at most 1`);
}

test('shardCells over n shards partitions the cells exactly', async t => {
	const cells = await expandMatrix({});
	for (const count of [1, 2, 3, 4, 5, 7, 8, 13, 311, 312, 313, 400]) checkPartition(t, cells, count);
	checkPartition(t, await expandMatrix({designs: ['weak'], scenarios: ['rmmod', 'lib-first', 'modprobe']}), 5);
});

test('shardCells is deterministic, independent of input order, and keeps the input order', async t => {
	const cells = await expandMatrix({});
	const shuffled = [...cells].reverse();
	for (const shard of [{index: 1, count: 4}, {index: 3, count: 4}, {index: 2, count: 5}]) {
		const a = shardCells(cells, shard).map(cellKey);
		t.deepEqual(shardCells(cells, shard).map(cellKey), a);
		t.deepEqual(shardCells(shuffled, shard).map(cellKey).sort(), [...a].sort());
		const positions = a.map(key => cells.findIndex(c => cellKey(c) === key));
		t.deepEqual(positions, [...positions].sort((x, y) => x - y), 'in matrix order');
	}
	// 1/4 takes every fourth cell of the sorted keys, starting at the first.
	const sorted = cells.map(cellKey).sort();
	t.deepEqual(shardCells(cells, {index: 1, count: 4}).map(cellKey).sort(), sorted.filter((_, i) => i % 4 === 0));
});

test('shardCells without a shard returns a copy of every cell', async t => {
	const cells = await expandMatrix({});
	const all = shardCells(cells, undefined);
	t.deepEqual(all, cells);
	t.not(all, cells);
	t.deepEqual(shardCells(cells, {index: 1, count: 1}), cells);
	t.deepEqual(shardCells([], {index: 1, count: 3}), []);
});

test('--kernel: the default kernel\'s cells carry no kernel (the baseline\'s keys); another kernel\'s do, named profile@kernel', async t => {
	const base = await expandMatrix({designs: ['weak'], cpus: ['neon'], scenarios: ['arch-first']});
	t.deepEqual(base.map(cellKey), ['weak/thumb2/neon/arch-first', 'weak/arm/neon/arch-first', 'weak/thumb2-noplts/neon/arch-first']);
	t.false(base.some(c => 'kernel' in c));
	t.deepEqual(await expandMatrix({kernels: ['6.1'], designs: ['weak'], cpus: ['neon'], scenarios: ['arch-first']}), base);
	// Without --profile, a kernel runs the profiles it builds (7.3: thumb2 only).
	const both = await expandMatrix({kernels: ['6.1', '7.3'], designs: ['weak'], cpus: ['neon'], scenarios: ['arch-first']});
	t.deepEqual(both.map(cellKey), [...base.map(cellKey), 'weak/thumb2@7.3/neon/arch-first']);
	t.deepEqual(both.at(-1), {design: 'weak', profile: 'thumb2', cpu: 'neon', scenario: 'arch-first', kernel: '7.3'});
});

test('--kernel: an unknown kernel, or a profile the kernel does not build, is a UsageError', async t => {
	await t.throwsAsync(expandMatrix({kernels: ['5.10']}), {instanceOf: UsageError, message: /unknown kernel "5\.10"/});
	await t.throwsAsync(expandMatrix({kernels: ['7.3'], profiles: ['arm']}), {instanceOf: UsageError, message: 'kernel 7.3 does not build profile arm (profiles on 7.3: thumb2)'});
});

test('userlands: without --userland a kernel runs its default ones (6.12: bookworm and trixie; 6.1 and 7.3: bookworm)', async t => {
	const filter = {designs: ['weak'], cpus: ['neon'], scenarios: ['modprobe']};
	t.deepEqual((await expandMatrix({...filter, kernels: ['6.12']})).map(cellKey), ['weak/thumb2@6.12/neon/modprobe', 'weak/thumb2@6.12+trixie/neon/modprobe']);
	t.deepEqual((await expandMatrix({...filter, kernels: ['7.3']})).map(cellKey), ['weak/thumb2@7.3/neon/modprobe']);
	t.false((await expandMatrix(filter)).some(c => 'userland' in c));
	// With --userland, every kernel runs the named ones; the default userland is not written in the id.
	const trixie = await expandMatrix({...filter, profiles: ['arm'], userlands: ['trixie']});
	t.deepEqual(trixie, [{design: 'weak', profile: 'arm', cpu: 'neon', scenario: 'modprobe', userland: 'trixie'}]);
	t.deepEqual((await expandMatrix({...filter, kernels: ['6.12'], userlands: ['bookworm']})).map(cellKey), ['weak/thumb2@6.12/neon/modprobe']);
	// npm start's kernels: 6.12's 104 cells twice.
	t.is((await expandMatrix({kernels: ['6.12']})).length, 208);
	await t.throwsAsync(expandMatrix({userlands: ['sid']}), {instanceOf: UsageError, message: /unknown userland "sid"/});
});
