// kplug memory: resident memory saved by not loading the arch module.
import {join} from 'node:path';
import type {Command} from './command.ts';
import {guestContext} from './guest-context.ts';
import {newRunDir} from './matrix-job.ts';
import {finishRun, measurementReport} from './report-job.ts';
import {memoryNotRunLine, memoryOptions, runMemoryJob, unmeasuredLine} from './memory-job.ts';
import {subjectOptions} from './subject-options.ts';
import {configKey} from '../scenarios/config-key.ts';
import type {MemoryReport} from '../report/schema.ts';

// Per configuration: what the within-boot rounds saw in VmallocUsed and MemAvailable (the full statements are in the report).
function withinBootLines(memory: MemoryReport): string[] {
	return (memory.withinBoot ?? []).map(w => {
		const head = `${configKey(w)} within one boot:`;
		if (w.error) return `${head} not measured (${w.error})`;
		const figures = (w.figures ?? []).filter(f => f.field === 'VmallocUsed' || f.field === 'MemAvailable');
		return `${head} ${w.residentRounds ? `arch module resident in ${w.residentRounds} of ${w.rounds} rounds` : `arch module never resident${w.refused ? ` (${w.refused})` : ''}`}; ${figures.map(f => `${f.field} ${f.insert.median >= 0 ? '+' : ''}${f.insert.median} kB, noise floor ${f.noiseFloor ?? '?'} kB (${f.canSee ? 'sees' : 'cannot see'} 12 KiB)`).join(', ')}`;
	});
}

export const memoryCommand: Command = {
	name: 'memory',
	summary: 'measure the memory the arch module holds (coresize, module-area pages, MemAvailable over N boots)',
	usage: 'kplug memory [--repeat N] [--rounds N] [--kernel K] [--design D] [--profile P] [--cpu C] [--jobs N] [--json]',
	details: 'Situations: loaded (arch-first insmod; refused on a CPU without NEON if the module says so), skipped (same image, arch module not inserted), absent (no arch module in the image), blacklisted (module_blacklist= + modprobe). N fresh boots each (default 5); MemAvailable/MemFree compare loaded with skipped.\nWithin one boot: --rounds N (default 5; 0 skips) insert/remove rounds of the arch module against N control rounds that insert nothing, reading /proc/meminfo and /proc/vmallocinfo before, after inserting and after removing; the control rounds give the noise floor.\nExit: 0 every configuration measured, 1 a configuration could not be measured (no boot succeeded), 2 bad input, 130 interrupted (finished boots are kept, the rest listed as not run).',
	options: {...memoryOptions, ...subjectOptions, jobs: {type: 'string'}},
	async run(args) {
		const started = performance.now();
		const ctx = await guestContext(args);
		const runDir = await newRunDir(args.outDir, 'memory');
		const memory = await runMemoryJob(args, ctx, runDir, args.subject);
		const report = await measurementReport(ctx, {vectors: [], memory}, (performance.now() - started) / 1000, args.subject.kernels?.[0]);
		const lines = memory.rows.filter(r => r.boots > 0 || !r.bootsNotRun).map(r => `${configKey(r)} ${r.situation.padEnd(17)} arch resident: ${r.archResident ? `yes, coresize ${r.archCoreSize} B, ${r.archVmallocPages} pages (${r.archVmallocBytes} B vmalloc)` : 'no'}; MemAvailable median ${r.memAvailableMedianKb} kB over ${r.boots} boots${r.notes?.length ? `; notes: ${r.notes.join('; ')}` : ''}`);
		lines.push(...memory.comparisons.map(c => `${configKey(c)}: ${c.statement}`));
		lines.push(...withinBootLines(memory));
		const notRun = memoryNotRunLine(memory);
		if (notRun) lines.push(notRun);
		return finishRun(args, {runDir, report, json: memory, summary: () => lines.join('\n') + `\nreport: ${join(runDir, 'report.md')} (json, html, junit.xml beside it)`, failed: false, problems: [unmeasuredLine(memory)]});
	},
};
