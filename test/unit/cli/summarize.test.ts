import test from 'ava';
import {summarize, unexplainedFlakes} from '../../../harness/cli/matrix-job.ts';
import {sampleReport} from '../report/_sample-report.ts';

// The run summary lists the claims some cell judged, and says nothing of the ones no cell could.
test('summarize: a line per claim that applied somewhere, none for a claim that was n/a everywhere', t => {
	const report = sampleReport();
	report.claims = [...report.claims, {id: 'C9', text: 'a claim nothing judged', source: 'x'}];
	for (const c of report.cells) c.claims.push({claim: 'C9', verdict: 'n/a', evidence: 'does not apply'});
	const text = summarize({report, runDir: '/tmp/run', bundle: '/tmp/run.tar.gz', failed: false});
	t.regex(text, /^C1: holds in \d+, fails in \d+ cells/m);
	t.false(text.includes('C9:'), text);
	report.cells[0]!.claims.find(c => c.claim === 'C9')!.verdict = 'not evaluated';
	t.regex(summarize({report, runDir: '/tmp/run', bundle: '/tmp/run.tar.gz', failed: false}), /^C9: holds in 0, fails in 0 cells, not evaluated in 1 — a claim nothing judged$/m);
});

test('summarize: how many cells started from a snapshot, and no such line when none did', t => {
	const report = sampleReport();
	for (const c of report.cells) c.timing = {start: 'cold', phases: {}, steps: []};
	const summary = (): string => summarize({report, runDir: '/tmp/run', bundle: '/tmp/run.tar.gz', failed: false});
	t.false(summary().includes('snapshot'), summary());
	report.cells[0]!.timing!.start = 'restored';
	t.regex(summary(), /^1 of them started from a snapshot of their boot configuration$/m);
});

test('summarize: an unexplained flake is a flaky cell; one the baseline explains is listed apart, with its reason', t => {
	const report = sampleReport();
	report.flakes = [
		{cellKey: 'weak/thumb2/neon/lib-first', outcomes: ['a', 'b'], counts: [2, 1]},
		{cellKey: 'softdep/thumb2/neon/unplug-under-load', outcomes: ['a', 'b'], counts: [19, 1], known: 'kernel race'},
	];
	const text = summarize({report, runDir: '/tmp/run', bundle: undefined, failed: true});
	t.regex(text, /^1 flaky cells: weak\/thumb2\/neon\/lib-first \(2\/1 of 3 repeats\)$/m);
	t.regex(text, /^1 cells ended differently across repeats, each way recorded in the baseline \(not a flake\):\n {2}softdep\/thumb2\/neon\/unplug-under-load \(19\/1 of 20 repeats\): kernel race$/m);
	t.deepEqual(unexplainedFlakes(report).map(f => f.cellKey), ['weak/thumb2/neon/lib-first']);
});

test('summarize: a version change is one line per profile with the old and new version, no such line without one', t => {
	const report = sampleReport();
	t.false(summarize({report, runDir: '/tmp/run', bundle: undefined, failed: false}).includes('other versions'));
	report.versionChanges = [{profile: 'thumb2', changed: ['kernel'], diff: ['- kernel: 6.1.176', '+ kernel: 6.1.192']}];
	t.regex(summarize({report, runDir: '/tmp/run', bundle: undefined, failed: false}), /^thumb2: the baseline was recorded with other versions \(kernel\); its cells were compared all the same.*\n {4}- kernel: 6\.1\.176\n {4}\+ kernel: 6\.1\.192$/m);
});

test('summarize: saved states refused or discarded, and cells re-run cold, are said (a bad state is not the kernel\'s fault)', t => {
	const report = sampleReport();
	const summary = (): string => summarize({report, runDir: '/tmp/run', bundle: '/tmp/run.tar.gz', failed: false});
	t.false(summary().includes('saved state'), summary());
	report.snapshotEvents = [
		{what: 'refused', key: '["6.1","arm","weak","neon",true,[],256]#6', message: 'its first restore showed a kernel bug: BUG: scheduling while atomic: swapper/0/0/0x00010000'},
		{what: 'discarded', key: '["6.1","thumb2","mainline","noneon",true,[],256]#4', message: 'a guest restored from it failed before its first step: kernel-crash'},
	];
	report.cells[0]!.snapshotFault = 'restored from a saved state, the guest failed before the cell\'s first step (kernel oops)';
	t.regex(summary(), /^saved states: 1 refused by their check restore \(another saved\), 1 discarded after a restored guest failed, 0 not made \(cold boots\)\n {2}refused: .*#6: its first restore showed a kernel bug: BUG: scheduling while atomic/m);
	t.regex(summary(), new RegExp(`^1 cells started from a saved state whose guest failed before their first step; each ran again from a cold boot .*: ${report.cells[0]!.cellKey}$`, 'm'));
});
