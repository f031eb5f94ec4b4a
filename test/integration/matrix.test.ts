import test from 'ava';
import {execa} from 'execa';
import {access, readFile} from 'node:fs/promises';
import {join} from 'node:path';
import type {Report} from '../../harness/report/schema.ts';
import {defaultProfile} from '../../harness/build/profiles.ts';
import {cellKey} from '../../harness/scenarios/cell.ts';
import {expandMatrix} from '../../harness/scenarios/matrix.ts';
import {repoPath} from '../../harness/util/paths.ts';
import {ourQemus} from './_context.ts';
import {tempDir} from '../_temp.ts';

const kplug = repoPath('harness/bin/kplug.mjs');

test('the default profile\'s matrix matches the committed baseline (a changed outcome is a deviation and fails)', async t => {
	// Every design, CPU and scenario on the default kernel's default profile (104 cells, each guest with two emulated
	// CPUs): one kernel build, as `npm test` builds only what its tests need. The other profiles' and kernels' cells
	// are checked against the same baseline by `npm start` (exit 1 on a deviation) and the nightly's shards.
	// Every VM and request inside has its own deadline; this only bounds the wait.
	t.timeout(40 * 60_000);
	const out = await tempDir(t, 'matrix');
	const result = await execa('node', [kplug, 'run', '--profile', defaultProfile, '--json', '--out', out], {reject: false, env: {CI: 'true'}});
	const report = JSON.parse(result.stdout) as Report;
	const deviations = report.deviations.map(d => `${d.cellKey}\n${d.diff.join('\n')}`).join('\n');
	t.deepEqual(report.deviations, [], `deviations from test/baselines/matrix.json:\n${deviations}`);
	t.is(result.exitCode, 0, result.stderr.split('\n').slice(-5).join('\n'));
	const expected = await expandMatrix({profiles: [defaultProfile]});
	t.true(expected.length >= 100, `${expected.length} cells`);
	t.deepEqual(report.cells.map(c => c.cellKey).sort(), expected.map(cellKey).sort());
	t.deepEqual(report.notRun, []);
	t.deepEqual(report.cells.filter(c => c.status !== 'completed').map(c => `${c.cellKey}: ${c.error?.message}`), []);
	for (const cell of report.cells) {
		t.is(cell.claims.length, report.claims.filter(c => c.scope === 'cell').length, cell.cellKey);
		// /proc/modules, /sys/module and kmod's lsmod must tell the same story.
		for (const m of cell.modulesAtEnd) {
			t.is(m.sysfsRefcnt, m.refcount, `${cell.cellKey} ${m.name} refcnt`);
			t.deepEqual(m.sysfsHolders, [...m.holders].sort(), `${cell.cellKey} ${m.name} holders`);
			t.true(m.inLsmod, `${cell.cellKey} ${m.name} in lsmod`);
		}
	}
	for (const file of ['report.json', 'report.md', 'report.html', 'junit.xml']) await t.notThrowsAsync(access(join(out, 'latest', file)), file);
	const junit = await readFile(join(out, 'latest', 'junit.xml'), 'utf8');
	t.is((junit.match(/<testcase /g) ?? []).length, report.cells.length);
	t.deepEqual(await ourQemus(), []);
});

test('a shard runs its part of the matrix, and merge puts shards back together', async t => {
	const out = await tempDir(t, 'shards');
	const filter = ['--scenario', 'no-arch', '--profile', 'thumb2', '--design', 'mainline,weak'];
	const dirs: string[] = [];
	for (const shard of ['1/2', '2/2']) {
		const result = await execa('node', [kplug, 'run', ...filter, '--shard', shard, '--json', '--out', join(out, shard.replace('/', '-'))], {reject: false, env: {CI: 'true'}});
		t.is(result.exitCode, 0, result.stderr);
		const report = JSON.parse(result.stdout) as Report;
		t.is(report.cells.length, 2);
		dirs.push(join(out, shard.replace('/', '-'), 'latest'));
	}
	const merged = await execa('node', [kplug, 'merge', ...dirs, '--json', '--out', join(out, 'merged')], {reject: false, env: {CI: 'true'}});
	t.is(merged.exitCode, 0, merged.stderr);
	const report = JSON.parse(merged.stdout) as Report;
	t.deepEqual(report.cells.map(c => c.cellKey).sort(), ['mainline/thumb2/neon/no-arch', 'mainline/thumb2/noneon/no-arch', 'weak/thumb2/neon/no-arch', 'weak/thumb2/noneon/no-arch']);
	t.deepEqual(report.deviations, []);
});

test('a changed outcome is reported as a deviation with a readable diff and exit 1', async t => {
	const out = await tempDir(t, 'deviation');
	const baseline = join(out, 'baseline.json');
	const committed = JSON.parse(await readFile(repoPath('test/baselines/matrix.json'), 'utf8')) as {cells: Record<string, {steps: string[]}>};
	const key = 'weak/thumb2/noneon/arch-first';
	committed.cells[key]!.steps = ['insmod generic [kmod]: ok', 'insmod arch [kmod]: ok', 'insmod lib [kmod]: ok', 'insmod driver [kmod]: ok'];
	const {writeFile} = await import('node:fs/promises');
	await writeFile(baseline, JSON.stringify(committed));
	const result = await execa('node', [kplug, 'run', '--design', 'weak', '--profile', 'thumb2', '--cpu', 'noneon', '--scenario', 'arch-first', '--baseline', baseline, '--json', '--out', out], {reject: false, env: {CI: 'true'}});
	t.is(result.exitCode, 1);
	const report = JSON.parse(result.stdout) as Report;
	t.is(report.deviations.length, 1);
	t.is(report.deviations[0]!.cellKey, key);
	t.true(report.deviations[0]!.diff.includes('- steps: "insmod arch [kmod]: ok"'));
	t.true(report.deviations[0]!.diff.includes('+ steps: "insmod arch [kmod]: ENODEV (exit 1)"'));
	t.regex(await readFile(join(out, 'latest', 'report.md'), 'utf8'), /```diff[\s\S]*insmod arch \[kmod\]: ENODEV/);
});
