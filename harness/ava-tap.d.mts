// Types of ava-tap.mjs (plain JavaScript so that bootstrap.mjs can run it without tsx).

export interface TapPoint {
	ok: boolean;
	number: number | undefined;
	title: string;
	// A bare ` # SKIP` / ` # TODO` at the end of the line (AVA's form), case-insensitive.
	directive: 'skip' | 'todo' | undefined;
	// The YAML block after a failure, one entry a line, its indentation removed.
	diagnostics: string[];
}

export interface ParsedTap {
	points: TapPoint[];
	// `1..N`; afterPoints is how many test points came before it.
	plan: {count: number; afterPoints: number; skip: string | undefined} | undefined;
	// The trailing `# tests|pass|skip|fail|todo N` comments (AVA's: fail includes todo, never-run and crashes).
	comments: Partial<Record<'tests' | 'pass' | 'skip' | 'fail' | 'todo', number>>;
	bailOut: string | undefined;
	truncatedYaml: boolean;
}

export type PointKind = 'passed' | 'failed' | 'skipped' | 'todo';

export interface TapCounts {
	passed: number;
	failed: number;
	skipped: number;
	todo: number;
	// Why the run counts more failures than its failed points (no plan, missing points, a bail-out, …).
	problems: string[];
}

export function parseTap(text: string): ParsedTap;
export function pointKind(point: TapPoint): PointKind;
export function tapCounts(parsed: ParsedTap): TapCounts;
export function avaRunCounts(text: string, exitCode: number): {parsed: ParsedTap; counts: TapCounts};
export function countLeftovers(counts: TapCounts, entries: readonly string[]): TapCounts;
export function describeFailure(point: TapPoint, maxLines?: number): string;
export function failureReport(step: string, parsed: ParsedTap, counts: TapCounts): string;
export function countsLine(counts: Pick<TapCounts, 'passed' | 'failed' | 'skipped' | 'todo'>): string;

// PIDs (as strings) of the processes started with TMPDIR=`temp`, by /proc/<pid>/environ; `self` is left out.
export function processesUnder(temp: string, self?: number): string[];
