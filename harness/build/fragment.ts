// Kernel config fragments: parse, merge and validate against a resolved .config.
import {readFile} from 'node:fs/promises';
import {basename} from 'node:path';
import {KplugError, UsageError} from '../util/errors.ts';

// The value a fragment asks for: y, m, n (incl. "is not set"), a number or a quoted string.
export type ConfigValue = string;

export interface FragmentEntry {
	symbol: string;
	value: ConfigValue;
	file: string;
	line: number;
}

export interface Fragment {
	file: string;
	entries: FragmentEntry[];
	text: string;
}

const setLine = /^CONFIG_([A-Za-z0-9_]+)=(y|m|n|-?\d+|0x[0-9a-fA-F]+|"(?:[^"\\]|\\.)*")$/;
const unsetLine = /^# CONFIG_([A-Za-z0-9_]+) is not set$/;

// Parse fragment text; a line that is not CONFIG_X=value or "# CONFIG_X is not set" is an error.
export function parseFragment(text: string, file: string): Fragment {
	const entries: FragmentEntry[] = [];
	const lines = text.split('\n');
	for (const [index, raw] of lines.entries()) {
		const line = raw.trim();
		const lineNo = index + 1;
		if (line === '') continue;
		const set = setLine.exec(line);
		if (set) {
			entries.push({symbol: set[1]!, value: set[2]!, file, line: lineNo});
			continue;
		}
		const unset = unsetLine.exec(line);
		if (unset) {
			entries.push({symbol: unset[1]!, value: 'n', file, line: lineNo});
			continue;
		}
		if (line.startsWith('#') && !/^#\s*CONFIG_/.test(line)) continue;
		throw new UsageError(`${basename(file)}:${lineNo}: not a config line (want CONFIG_X=y|m|n|"..."|N or "# CONFIG_X is not set"): ${line}`);
	}
	return {file, entries, text};
}

// Read and parse a fragment file.
export async function readFragment(path: string): Promise<Fragment> {
	let text: string;
	try {
		text = await readFile(path, 'utf8');
	} catch (error) {
		throw new UsageError(`${path}: cannot read config fragment (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
	}
	return parseFragment(text, path);
}

// Merge fragments in order; a later fragment overrides an earlier one's symbol.
export function mergeFragments(fragments: readonly Fragment[]): FragmentEntry[] {
	const merged = new Map<string, FragmentEntry>();
	for (const fragment of fragments) {
		for (const entry of fragment.entries) {
			merged.delete(entry.symbol);
			merged.set(entry.symbol, entry);
		}
	}
	return [...merged.values()];
}

// Render merged entries as a KCONFIG_ALLCONFIG file.
export function renderFragment(entries: readonly FragmentEntry[]): string {
	return entries
		.map(entry => (entry.value === 'n' ? `# CONFIG_${entry.symbol} is not set` : `CONFIG_${entry.symbol}=${entry.value}`))
		.join('\n') + '\n';
}

// Parse a resolved .config into symbol → value ("n" for "is not set").
export function parseDotConfig(text: string): Map<string, string> {
	const values = new Map<string, string>();
	for (const raw of text.split('\n')) {
		const line = raw.trim();
		const set = /^CONFIG_([A-Za-z0-9_]+)=(.*)$/.exec(line);
		if (set) {
			values.set(set[1]!, set[2]!);
			continue;
		}
		const unset = unsetLine.exec(line);
		if (unset) values.set(unset[1]!, 'n');
	}
	return values;
}

export interface ConfigMismatch {
	symbol: string;
	asked: string;
	got: string;
	file: string;
	line: number;
}

// Every requested symbol must hold its requested value in the final .config.
export function findMismatches(entries: readonly FragmentEntry[], dotConfig: Map<string, string>): ConfigMismatch[] {
	const mismatches: ConfigMismatch[] = [];
	for (const entry of entries) {
		const got = dotConfig.get(entry.symbol) ?? 'n';
		if (got !== entry.value) {
			const missing = !dotConfig.has(entry.symbol);
			mismatches.push({
				symbol: entry.symbol,
				asked: entry.value,
				got: missing ? 'absent (unknown symbol or unmet dependency)' : got,
				file: entry.file,
				line: entry.line,
			});
		}
	}
	return mismatches;
}

// Thrown when Kconfig did not honour a fragment.
export class ConfigValidationError extends KplugError {
	override name = 'ConfigValidationError';
	constructor(
		readonly profile: string,
		readonly mismatches: readonly ConfigMismatch[],
	) {
		super(
			`profile ${profile}: Kconfig did not honour ${mismatches.length} fragment setting(s):\n` +
				mismatches
					.map(m => `  CONFIG_${m.symbol}: asked ${m.asked}, Kconfig chose ${m.got} (${basename(m.file)}:${m.line})`)
					.join('\n'),
		);
	}
}
