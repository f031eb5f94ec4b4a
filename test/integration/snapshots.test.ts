import test from 'ava';
import {execa} from 'execa';
import {readdir, readFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {Report} from '../../harness/report/schema.ts';
import {cellBootConfig} from '../../harness/scenarios/cell.ts';
import {expandMatrix} from '../../harness/scenarios/matrix.ts';
import {bootConfigKey} from '../../harness/subject/snapshots.ts';
import {repoPath} from '../../harness/util/paths.ts';
import {ourQemus} from './_context.ts';
import {tempDir} from '../_temp.ts';

const kplug = repoPath('harness/bin/kplug.mjs');
// Two designs (in-tree mainline, out-of-tree weak), one profile, both CPUs, every scenario.
const filter = ['--design', 'mainline,weak', '--profile', 'thumb2'];

async function run(out: string, snapshot: '--snapshot' | '--no-snapshot'): Promise<{report: Report; seconds: number; exitCode: number | undefined; stderr: string}> {
	const started = performance.now();
	const result = await execa('node', [kplug, 'run', ...filter, snapshot, '--json', '--out', join(out, snapshot)], {reject: false, env: {CI: 'true'}});
	return {report: JSON.parse(result.stdout) as Report, seconds: (performance.now() - started) / 1000, exitCode: result.exitCode, stderr: result.stderr};
}

const snapshotDirs = async (): Promise<string[]> => (await readdir(tmpdir())).filter(name => name.startsWith('kplug-snapshots-'));

test('cells restored from a snapshot have exactly the outcomes of cells booted cold (console events included)', async t => {
	t.timeout(15 * 60_000);
	const cells = await expandMatrix({designs: ['mainline', 'weak'], profiles: ['thumb2']});
	const shared = new Map<string, number>();
	for (const c of cells) shared.set(bootConfigKey(cellBootConfig(c)), (shared.get(bootConfigKey(cellBootConfig(c))) ?? 0) + 1);
	const expectRestored = cells.filter(c => shared.get(bootConfigKey(cellBootConfig(c)))! > 1).map(c => `${c.design}/${c.profile}/${c.cpu}/${c.scenario}`).sort();
	const before = await snapshotDirs();
	const out = await tempDir(t, 'it-snapshots');
	const cold = await run(out, '--no-snapshot');
	const restored = await run(out, '--snapshot');
	t.log(`${cells.length} cells: cold ${cold.seconds.toFixed(1)} s, with snapshots ${restored.seconds.toFixed(1)} s`);
	for (const r of [cold, restored]) {
		t.is(r.report.cells.length, cells.length);
		t.deepEqual(r.report.notRun, []);
		t.deepEqual(r.report.cells.filter(c => c.status !== 'completed').map(c => `${c.cellKey}: ${c.error?.message}`), []);
	}
	// The point of the test: the same outcome per cell, booted or restored.
	const outcomes = (report: Report): Record<string, string> => Object.fromEntries(report.cells.map(c => [c.cellKey, JSON.stringify(c.outcome)]).sort());
	t.deepEqual(outcomes(restored.report), outcomes(cold.report));
	t.deepEqual(restored.report.deviations, cold.report.deviations);
	// And the snapshot run did restore: every cell of a shared configuration, no other; the cold run none.
	t.deepEqual(cold.report.cells.filter(c => c.timing?.start !== 'cold').map(c => c.cellKey), []);
	t.deepEqual(restored.report.cells.filter(c => c.timing?.start === 'restored').map(c => c.cellKey).sort(), expectRestored);
	t.true(expectRestored.length >= cells.length / 2);
	// A restored cell's console log is a whole boot: the snapshot's console, once, then the cell's.
	for (const cell of restored.report.cells.filter(c => c.timing?.start === 'restored')) {
		const console = await readFile(join(cell.logDir, 'console.log'), 'utf8');
		t.is(console.match(/^Booting Linux on physical CPU/gm)?.length, 1, cell.cellKey);
		t.regex(console, /Run \/sbin\/kplug-agent as init process[\s\S]*reboot: Power down/, cell.cellKey);
		t.notRegex(console, /terminating on signal/, cell.cellKey);
	}
	// Nothing new is left in $TMPDIR (another kplug process, e.g. npm start beside npm test, may have removed its own
	// folders meanwhile: those are not this run's to keep).
	t.deepEqual((await snapshotDirs()).filter(name => !before.includes(name)), [], 'the run removed its snapshots');
	t.deepEqual(await ourQemus(), []);
});
