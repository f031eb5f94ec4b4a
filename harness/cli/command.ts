// The shape of a CLI command and the options every command shares.
import {totalmem} from 'node:os';
import {parseArgs, type ParseArgsConfig} from 'node:util';
import {resolve} from 'node:path';
import {UsageError} from '../util/errors.ts';
import {defaultCacheDir, defaultOutDir} from '../util/paths.ts';
import {createProgress, type Progress, type ProgressStream} from '../util/progress.ts';
import {checkWritableDir} from '../util/writable-dir.ts';
import {subjectFilter, type SubjectFilter} from './subject-options.ts';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface Command {
	name: string;
	summary: string;
	usage: string;
	// Extra lines for --help (exit codes, examples).
	details?: string;
	options: OptionSpec;
	// Whether arguments after `--` are passed through (boot).
	positionals?: boolean;
	// The folders the command writes (checked before it runs); both by default.
	writes?: readonly ('out' | 'cache')[];
	run(args: ParsedArgs): Promise<number>;
}

export interface ParsedArgs {
	values: Record<string, string | boolean | string[] | undefined>;
	positionals: string[];
	// --kernel/--design/--profile/--cpu (subject-options.ts), parsed once here; {} for a command without them.
	subject: SubjectFilter;
	json: boolean;
	cacheDir: string;
	outDir: string;
	progress: Progress;
	// The command's interrupt: aborted on SIGINT, SIGTERM or SIGHUP (see util/reaper.ts commandController).
	signal?: AbortSignal;
}

export const globalOptions: OptionSpec = {
	help: {type: 'boolean', short: 'h'},
	json: {type: 'boolean'},
	cache: {type: 'string'},
	out: {type: 'string'},
};

export const globalHelp = `Global options:
  --json        machine-readable result on stdout, nothing else
  --cache DIR   cache folder (default $XDG_CACHE_HOME/kplug, else ~/.cache/kplug)
  --out DIR     output folder for runs and reports (default ./out)
  -h, --help    this help`;

// Parse a command's argv strictly; unknown flags are a UsageError. Progress goes to stderr (or `progressTo`), and
// nowhere under --json.
export function parseCommandArgs(command: Command, argv: readonly string[], progressTo?: ProgressStream): ParsedArgs & {help: boolean} {
	const options: OptionSpec = {...globalOptions, ...command.options};
	let parsed;
	try {
		parsed = parseArgs({args: [...argv], options, allowPositionals: command.positionals ?? false, strict: true, tokens: true});
	} catch (error) {
		// One line: parseArgs explains some errors over several ("… is ambiguous.\nDid you forget …").
		throw new UsageError(`${command.name}: ${(error as Error).message.split('\n').map(l => l.trim()).filter(Boolean).join(' ')} (see kplug ${command.name} --help)`);
	}
	const values = parsed.values as ParsedArgs['values'];
	// (--help shows the help whatever else was given.)
	if (values['help'] !== true) repeatedOnce(command.name, options, parsed.tokens);
	// An empty path (an unset shell variable) would mean the current folder: refused, as an empty name is.
	for (const name of ['out', 'cache']) if (typeof values[name] === 'string' && (values[name] as string).trim() === '') throw new UsageError(`--${name} "": give a folder`);
	const json = values['json'] === true;
	return {
		values,
		positionals: parsed.positionals,
		subject: subjectFilter(values),
		json,
		cacheDir: typeof values['cache'] === 'string' ? resolve(values['cache']) : defaultCacheDir(),
		outDir: typeof values['out'] === 'string' ? resolve(values['out']) : defaultOutDir(),
		progress: createProgress({quiet: json, ...(progressTo ? {stream: progressTo} : {})}),
		help: values['help'] === true,
	};
}

// A single-value option given twice (`--out a … --out b`, often a pasted command line with an edit) is refused:
// taking the last value silently would write, build or check something other than one of the two meant.
function repeatedOnce(commandName: string, options: OptionSpec, tokens: readonly {kind: string; name?: string; value?: string | undefined}[]): void {
	const seen = new Map<string, string[]>();
	for (const token of tokens) {
		if (token.kind !== 'option' || token.name === undefined) continue;
		const spec = options[token.name];
		if (!spec || spec.type !== 'string' || spec.multiple) continue;
		const values = seen.get(token.name) ?? [];
		values.push(token.value ?? '');
		seen.set(token.name, values);
		if (values.length === 2) throw new UsageError(`${commandName}: --${token.name} given twice (${values.map(v => JSON.stringify(v)).join(', ')}): give it once`);
	}
}

// Refuse an unusable --out/--cache (a file, read-only, /proc …) with one line, before any build or VM.
export async function checkLocations(command: Command, args: ParsedArgs, env: NodeJS.ProcessEnv = process.env): Promise<void> {
	const writes = command.writes ?? ['out', 'cache'];
	if (writes.includes('out')) await checkWritableDir(args.outDir, typeof args.values['out'] === 'string' ? '--out' : 'the output folder');
	if (writes.includes('cache')) await checkWritableDir(args.cacheDir, cacheNamedBy(args, env) ?? 'the cache folder');
}

// Who named the cache folder: --cache, KPLUG_CACHE, or nobody (the default).
export function cacheNamedBy(args: ParsedArgs, env: NodeJS.ProcessEnv = process.env): '--cache' | 'KPLUG_CACHE' | undefined {
	return typeof args.values['cache'] === 'string' ? '--cache' : env['KPLUG_CACHE'] ? 'KPLUG_CACHE' : undefined;
}

// The options of `spec` that were given, as --names (e.g. to refuse those a --skip-… flag would silently ignore).
export function optionsGiven(args: ParsedArgs, spec: OptionSpec): string[] {
	return Object.keys(spec).filter(name => args.values[name] !== undefined).map(name => `--${name}`);
}

// A string-list option (repeatable or comma-separated).
// An empty item ("", "weak,", an empty shell variable) is refused: leaving the option out means all, and an empty
// value silently meaning all would start the whole matrix.
export function listOption(value: string | boolean | string[] | undefined, name = 'option'): string[] | undefined {
	if (value === undefined || typeof value === 'boolean') return undefined;
	const given = Array.isArray(value) ? value : [value];
	const items = given.flatMap(v => v.split(',')).map(v => v.trim());
	if (items.some(v => v === '')) throw new UsageError(`--${name} ${JSON.stringify(given.join(','))} has an empty name: give names, or leave --${name} out for all`);
	return items.length > 0 ? items : undefined;
}

// A positive integer option.
export function intOption(name: string, value: string | boolean | string[] | undefined, fallback: number, min = 1): number {
	if (value === undefined) return fallback;
	const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : Number.NaN;
	if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`--${name} must be an integer ≥ ${min}, got "${String(value)}"`);
	return n;
}

// What one guest takes of the host's memory: its 256 MiB and qemu's TCG code cache and devices beside it (a
// qemu-system-arm running a cell measures 550–610 MB resident).
export const vmFootprintMiB = 640;

// --jobs for commands that run VMs: at most as many as the host's memory (or the cgroup's limit) holds at once, so a typo ("--jobs 100")
// is refused before anything starts instead of boots failing or the OOM killer choosing.
export function vmJobsOption(value: string | boolean | string[] | undefined, fallback: number, totalBytes = totalmem()): number {
	const totalMiB = Math.floor(Math.min(totalBytes, process.constrainedMemory?.() || Infinity) / 2 ** 20);
	const max = Math.max(1, Math.floor(totalMiB / vmFootprintMiB));
	const jobs = intOption('jobs', value, Math.min(fallback, max));
	if (jobs > max) throw new UsageError(`--jobs ${jobs} is more VMs than this machine's ${totalMiB} MiB of memory holds at once (at most ${max}, about ${vmFootprintMiB} MiB each)`);
	return jobs;
}

// Print a result: JSON on stdout in --json mode, else the human text (after the live progress line is ended).
export function output(args: ParsedArgs, json: unknown, human: string): void {
	args.progress.end();
	if (args.json) process.stdout.write(JSON.stringify(json, null, 2) + '\n');
	else if (human) process.stdout.write(human.endsWith('\n') ? human : human + '\n');
}
