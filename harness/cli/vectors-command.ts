// kplug vectors: X25519 test vectors through every path inside the real kernel.
import {join} from 'node:path';
import type {Command} from './command.ts';
import {guestContext} from './guest-context.ts';
import {newRunDir} from './matrix-job.ts';
import {finishRun, measurementReport} from './report-job.ts';
import {readVectorSet, runVectorJob, vectorHelp, vectorOptions, vectorsFailed, vectorsNotRunLine} from './vectors-job.ts';
import {subjectOptions} from './subject-options.ts';
import {configKey} from '../scenarios/config-key.ts';
import {kunitLine} from '../vectors/kunit-result.ts';

export const vectorsCommand: Command = {
	name: 'vectors',
	summary: 'run RFC 7748, Wycheproof and random X25519 vectors through the arch and generic paths in the guest',
	usage: 'kplug vectors [--file F] [--random N] [--seed S] [--million] [--kernel K] [--design D] [--profile P] [--cpu C] [--jobs N] [--json]',
	details: `${vectorHelp}\nExit: 0 all passed, 1 a vector failed, 2 bad input, 130 interrupted (finished cells are kept, the rest listed as not run).`,
	options: {...vectorOptions, ...subjectOptions, jobs: {type: 'string'}},
	async run(args) {
		const started = performance.now();
		// Bad vector options before set-up and builds.
		const set = await readVectorSet(args);
		const ctx = await guestContext(args);
		const runDir = await newRunDir(args.outDir, 'vectors');
		const {reports, notRun} = await runVectorJob(args, ctx, runDir, args.subject, set);
		const report = await measurementReport(ctx, {vectors: reports, vectorsNotRun: notRun}, (performance.now() - started) / 1000, args.subject.kernels?.[0]);
		const lines = reports.map(r => `${configKey(r)}: ${r.error ?? (r.unavailable ? `library unavailable: ${r.unavailable}` : '') + r.paths.map(p => `${p.path} via ${p.servedBy.join('+')}: ${p.passed}/${p.total} passed, ${p.opsPerSecond} ops/s (TCG), ${p.guestSeconds.toFixed(2)}s guest`).join('; ')}${r.archToGenericSpeedRatio ? `; api/generic speed ${r.archToGenericSpeedRatio}×` : ''}${r.iterated.length ? `; iterated ${r.iterated.filter(i => i.passed).length}/${r.iterated.length}` : ''}${r.kunit ? `; ${kunitLine(r.kunit)}` : ''}`);
		for (const r of reports) for (const p of r.paths) for (const f of p.failed.slice(0, 10)) lines.push(`  FAIL ${configKey(r)} ${p.path} ${f.id}: expected ${f.expectedHex} ok=${f.expectedOk}, got ${f.gotHex} ok=${f.gotOk} (bytes ${f.differingBytes.join(',')})`);
		const notRunLine = vectorsNotRunLine(notRun);
		if (notRunLine) lines.push(notRunLine);
		return finishRun(args, {runDir, report, json: reports, summary: () => lines.join('\n') + `\nreport: ${join(runDir, 'report.md')} (json, html, junit.xml beside it)`, failed: vectorsFailed(reports)});
	},
};
