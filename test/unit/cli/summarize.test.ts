import test from 'ava';
import {summarize} from '../../../harness/cli/matrix-job.ts';
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
