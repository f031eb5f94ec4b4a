// The within-boot method: in one guest, read the system's memory counters before inserting the arch
// module, after inserting it and after removing it, N times, interleaved with control rounds that
// insert nothing (same reads, same commands' worth of work), so the noise floor is measured in the
// same boot the deltas come from instead of across boots (where it is 60–116 kB).
import {parseMeminfo} from './meminfo.ts';
import {parseProcModules} from './proc-modules.ts';
import {attributeModuleAreas, moduleLoaderTotal, parseVmallocinfo} from './vmallocinfo.ts';
import {withinBootFigure, type Moments, type WithinBootFigure} from './within-boot-stats.ts';
import {interruption, KplugError} from '../util/errors.ts';
import type {ExecResult} from '../vm/vm.ts';

// The part of a VM the method needs (a fake in unit tests).
export interface GuestShell {
	exec(argv: readonly string[], options?: {step?: string}): Promise<Pick<ExecResult, 'exitCode' | 'stdout' | 'stderr'>>;
}

// The counters read at every moment, in kB: what /proc/meminfo prints and what /proc/vmallocinfo adds up to.
export const withinBootFields = ['MemFree', 'MemAvailable', 'VmallocUsed', 'SUnreclaim', 'Slab', 'KernelStack', 'PageTables', 'Percpu', 'vmallocinfo pages', 'vmallocinfo module areas'] as const;
export type WithinBootField = (typeof withinBootFields)[number];
export type Reading = Record<WithinBootField, number>;

// What the kernel says about the arch module while it is resident (read between insert and remove).
export interface ExactReading {
	coreSize: number;
	initSize: number;
	procModulesSize: number;
	vmallocPages: number;
	vmallocBytes: number;
}

export interface Round {
	// 'insert': insmod + rmmod of the arch module; 'control': the same reads around two modinfo runs of the same file.
	kind: 'insert' | 'control';
	before: Reading;
	afterInsert: Reading;
	afterRemove: Reading;
	// The arch module was in /proc/modules after the insert step (never in a control round).
	resident: boolean;
	exact?: ExactReading;
	// First stderr line of an insmod the kernel refused (e.g. ENODEV on a CPU without NEON).
	refused?: string;
	// Reads of /proc/modules + /proc/vmallocinfo until no module init area was left (1: none was).
	settleReads: number;
}

export interface WithinBootOptions {
	// The arch module's file in the guest and its module name.
	archPath: string;
	archName: string;
	// Measured rounds of each kind (a warm-up of each kind runs first and is not kept).
	rounds: number;
	signal?: AbortSignal;
}

const pageKb = 4;
// Upper bound on the settle reads of one round (each is two guest commands, tens of ms under TCG).
const maxSettleReads = 40;

// A file's text; a /proc file the guest cannot read is an error (a total of nothing would read as 0 kB),
// an optional one (/sys/module/<m>/… of a module that is not loaded) is ''.
async function cat(guest: GuestShell, path: string, optional = false): Promise<string> {
	const result = await guest.exec(['cat', path], {step: `read ${path}`});
	if (result.exitCode === 0) return result.stdout;
	if (optional) return '';
	throw new KplugError(`cat ${path} exited with ${result.exitCode}: ${result.stderr.trim().split('\n')[0] ?? ''}`);
}

// One moment: /proc/meminfo and /proc/vmallocinfo, back to back.
export async function readMoment(guest: GuestShell): Promise<{reading: Reading; vmallocinfo: string}> {
	const meminfo = parseMeminfo(await cat(guest, '/proc/meminfo'));
	const vmallocinfo = await cat(guest, '/proc/vmallocinfo');
	const areas = parseVmallocinfo(vmallocinfo);
	const field = (name: string): number => {
		const value = meminfo[name];
		if (value === undefined) throw new KplugError(`/proc/meminfo lacks ${name}`);
		return value;
	};
	return {
		reading: {
			MemFree: field('MemFree'), MemAvailable: field('MemAvailable'), VmallocUsed: field('VmallocUsed'), SUnreclaim: field('SUnreclaim'), Slab: field('Slab'),
			KernelStack: field('KernelStack'), PageTables: field('PageTables'), Percpu: field('Percpu'),
			'vmallocinfo pages': areas.reduce((sum, area) => sum + area.pages, 0) * pageKb,
			'vmallocinfo module areas': moduleLoaderTotal(areas).pages * pageKb,
		},
		vmallocinfo,
	};
}

// Between the two steps of a round: the module's own sizes, read the same way in both kinds of round.
async function exactReading(guest: GuestShell, archName: string, vmallocinfo: string): Promise<ExactReading | undefined> {
	const modules = parseProcModules(await cat(guest, '/proc/modules'));
	const core = await cat(guest, `/sys/module/${archName}/coresize`, true);
	const init = await cat(guest, `/sys/module/${archName}/initsize`, true);
	const arch = modules.find(m => m.name === archName);
	if (!arch) return undefined;
	const [area] = attributeModuleAreas(parseVmallocinfo(vmallocinfo), [arch]);
	return {coreSize: Number(core.trim()), initSize: Number(init.trim()), procModulesSize: arch.size, vmallocPages: area?.pages ?? 0, vmallocBytes: area?.bytes ?? 0};
}

// The kernel frees a module's init area from a workqueue after an RCU grace period, so right after insmod
// vmallocinfo and VmallocUsed may still hold it (a page more than stays resident). Wait for it by reading
// what the kernel shows, never by sleeping: one module-loader area per loaded module means nothing is
// pending. Control rounds make the same first check, so both kinds do the same reads when nothing waits.
async function settle(guest: GuestShell): Promise<number> {
	for (let reads = 1; ; reads++) {
		const modules = parseProcModules(await cat(guest, '/proc/modules'));
		const loader = moduleLoaderTotal(parseVmallocinfo(await cat(guest, '/proc/vmallocinfo')));
		if (loader.areas <= modules.length || reads >= maxSettleReads) return reads;
	}
}

async function round(guest: GuestShell, kind: Round['kind'], options: WithinBootOptions): Promise<Round> {
	if (options.signal?.aborted) throw interruption(options.signal, `within-boot ${kind} round`);
	const {archPath, archName} = options;
	// The control runs the same kmod binary over the same file without inserting it.
	const modinfo = (field: string): string[] => ['modinfo', '-F', field, archPath];
	const insert = kind === 'insert' ? ['insmod', archPath] : modinfo('vermagic');
	const before = (await readMoment(guest)).reading;
	const inserted = await guest.exec(insert, {step: `${kind}: ${insert[0]}`});
	const settleReads = await settle(guest);
	const middle = await readMoment(guest);
	const exact = await exactReading(guest, archName, middle.vmallocinfo);
	// Nothing to remove when nothing went in: modinfo stands in, so every round runs two commands.
	const remove = kind === 'insert' && exact ? ['rmmod', archName] : modinfo('name');
	await guest.exec(remove, {step: `${kind}: ${remove[0]}`});
	const afterRemove = (await readMoment(guest)).reading;
	const refused = kind === 'insert' && inserted.exitCode !== 0 ? inserted.stderr.trim().split('\n')[0] ?? `exit ${inserted.exitCode}` : undefined;
	return {kind, before, afterInsert: middle.reading, afterRemove, resident: exact !== undefined, settleReads, ...(exact ? {exact} : {}), ...(refused ? {refused} : {})};
}

// Run a warm-up of each kind, then `rounds` of each, interleaved control-insert-insert-control… so slow drift
// in the guest falls on both kinds alike. The arch module must not be loaded when this starts.
export async function withinBootRounds(guest: GuestShell, options: WithinBootOptions): Promise<Round[]> {
	// The first kmod run and the first insert populate dentries, slab caches and kmod's own state: not kept.
	await round(guest, 'insert', options);
	await round(guest, 'control', options);
	const rounds: Round[] = [];
	for (let i = 0; i < options.rounds; i++) {
		const pair: Round['kind'][] = i % 2 === 0 ? ['control', 'insert'] : ['insert', 'control'];
		for (const kind of pair) rounds.push(await round(guest, kind, options));
	}
	return rounds;
}

export interface WithinBootSummary {
	// Measured rounds of each kind.
	rounds: number;
	// Insert rounds after which the arch module was in /proc/modules.
	residentRounds: number;
	// The kernel's answer to the first refused insmod (e.g. "No such device" on a CPU without NEON).
	refused?: string;
	// The module's own sizes from the first round it was resident in.
	exact?: ExactReading;
	// Most settle reads any round needed (see settle()); 1 when no init area was ever pending.
	settleReadsMax: number;
	figures: WithinBootFigure[];
}

// Per counter: insert deltas against the control rounds' noise, and what the rounds saw of the module itself.
export function summarizeRounds(rounds: readonly Round[]): WithinBootSummary {
	const inserts = rounds.filter(r => r.kind === 'insert');
	const controls = rounds.filter(r => r.kind === 'control');
	const moments = (of: readonly Round[], field: WithinBootField): Moments[] => of.map(r => ({before: r.before[field], afterInsert: r.afterInsert[field], afterRemove: r.afterRemove[field]}));
	const refused = inserts.find(r => r.refused)?.refused;
	const exact = inserts.find(r => r.exact)?.exact;
	return {
		rounds: inserts.length,
		residentRounds: inserts.filter(r => r.resident).length,
		...(refused ? {refused: refused.replace(/^insmod: ERROR: could not insert module \S+: /, '')} : {}),
		...(exact ? {exact} : {}),
		settleReadsMax: Math.max(0, ...rounds.map(r => r.settleReads)),
		figures: withinBootFields.map(field => withinBootFigure(moments(inserts, field), moments(controls, field), {field})),
	};
}
