// Parsers for the guest's module lists: /proc/modules, kmod's lsmod and /sys/module/<m>/* numbers.
// Pure functions over text another stage collected; they throw MemoryParseError on a line they do
// not recognise rather than guessing, because a misread size would end up in a memory report.
import {KplugError} from '../util/errors.ts';

export interface ParseErrorData {
	// What was being parsed, e.g. '/proc/modules'.
	source: string;
	// 1-based, counting every line of the input (blank ones included).
	lineNumber: number;
	line: string;
}

// Guest text that does not have the shape the kernel prints; the message names the source and line.
export class MemoryParseError extends KplugError {
	override name = 'MemoryParseError';
	constructor(
		reason: string,
		readonly data: ParseErrorData,
	) {
		super(`${data.source} line ${data.lineNumber}: ${reason}\n${data.line}`);
	}
}

export interface NumberedLine {
	lineNumber: number;
	line: string;
}

// Non-blank lines of a text with their 1-based line numbers (CRLF tolerated).
export function contentLines(text: string): NumberedLine[] {
	return text
		.split('\n')
		.map((line, index) => ({lineNumber: index + 1, line: line.replace(/\r$/, '')}))
		.filter(({line}) => line.trim() !== '');
}

export type ModuleState = 'Live' | 'Loading' | 'Unloading';

export interface ProcModule {
	name: string;
	// init + core image bytes as the kernel counts them; init is 0 once the module's init has run.
	size: number;
	// module_refcount(); -1 while unloading; null when the kernel lacks CONFIG_MODULE_UNLOAD ('-').
	refcount: number | null;
	// Modules that use this one, most recently loaded first (the kernel's source_list order).
	holders: string[];
	// '[permanent],' in the holders column: the module has init but no exit and cannot be unloaded.
	permanent: boolean;
	state: ModuleState;
	// Core image base as printed ('0xbf000000'); all zeros when the reader may not see kernel
	// addresses (kptr_restrict=2, or no CAP_SYSLOG), in which case vmalloc attribution is impossible.
	address: string;
	// Taint letters inside the '(…)' column, e.g. 'O' or 'OE'; '' when absent. The '+'/'-'
	// loading/unloading markers that can follow the letters are dropped: `state` already says so.
	taints: string;
}

const moduleName = /^[A-Za-z0-9_]+$/;
const states: readonly ModuleState[] = ['Live', 'Loading', 'Unloading'];

// Parse /proc/modules: `name size refcount holders,|- state address [(taints)]`, one module a line.
export function parseProcModules(text: string): ProcModule[] {
	const source = '/proc/modules';
	return contentLines(text).map(({lineNumber, line}) => {
		const fail = (reason: string): never => {
			throw new MemoryParseError(reason, {source, lineNumber, line});
		};
		const fields = line.trim().split(/\s+/);
		if (fields.length !== 6 && fields.length !== 7) {
			fail(`expected 6 or 7 fields, found ${fields.length}`);
		}
		const [name = '', size = '', refcount = '', holders = '', state = '', address = '', taints] = fields;
		if (!moduleName.test(name)) fail(`bad module name "${name}"`);
		if (!/^\d+$/.test(size)) fail(`bad size "${size}"`);
		if (!/^(-?\d+|-)$/.test(refcount)) fail(`bad refcount "${refcount}"`);
		const holderList = parseHolderColumn(holders) ?? fail(`bad holders column "${holders}"`);
		if (!(states as readonly string[]).includes(state)) fail(`bad state "${state}"`);
		if (!/^0x[0-9a-fA-F]+$/.test(address)) fail(`bad address "${address}"`);
		const taintMatch = taints === undefined ? null : /^\(([A-Z]*)[+-]?\)$/.exec(taints);
		if (taints !== undefined && !taintMatch) fail(`bad taints "${taints}"`);
		return {
			name,
			size: Number(size),
			refcount: refcount === '-' ? null : Number(refcount),
			holders: holderList.filter(holder => holder !== '[permanent]'),
			permanent: holderList.includes('[permanent]'),
			state: state as ModuleState,
			address: address.toLowerCase(),
			taints: taintMatch?.[1] ?? '',
		};
	});
}

// '-' or 'a,b,' (the kernel always ends the list with a comma); undefined when neither.
function parseHolderColumn(column: string): string[] | undefined {
	if (column === '-') return [];
	if (!column.endsWith(',')) return undefined;
	const names = column.slice(0, -1).split(',');
	return names.every(holder => moduleName.test(holder) || holder === '[permanent]') ? names : undefined;
}

export interface LsmodEntry {
	name: string;
	// kmod reads /sys/module/<m>/coresize (core image only).
	size: number;
	// /sys/module/<m>/refcnt; kmod prints a negative errno when it could not read it.
	usedBy: number;
	// /sys/module/<m>/holders/ in directory order, which need not match /proc/modules.
	holders: string[];
}

// Parse kmod's lsmod: a `Module  Size  Used by` header, then `name size usedcount [a,b]` lines.
export function parseLsmod(text: string): LsmodEntry[] {
	const source = 'lsmod';
	const [header, ...rows] = contentLines(text);
	if (!header || !/^Module\s+Size\s+Used by\s*$/.test(header.line)) {
		throw new MemoryParseError('expected the "Module  Size  Used by" header', {
			source,
			lineNumber: header?.lineNumber ?? 1,
			line: header?.line ?? '',
		});
	}
	return rows.map(({lineNumber, line}) => {
		const fail = (reason: string): never => {
			throw new MemoryParseError(reason, {source, lineNumber, line});
		};
		const fields = line.trim().split(/\s+/);
		if (fields.length !== 3 && fields.length !== 4) fail(`expected 3 or 4 fields, found ${fields.length}`);
		const [name = '', size = '', usedBy = '', holders] = fields;
		if (!moduleName.test(name)) fail(`bad module name "${name}"`);
		if (!/^\d+$/.test(size)) fail(`bad size "${size}"`);
		if (!/^-?\d+$/.test(usedBy)) fail(`bad use count "${usedBy}"`);
		const holderList = holders === undefined ? [] : holders.split(',');
		if (!holderList.every(holder => moduleName.test(holder))) fail(`bad holders "${holders}"`);
		return {name, size: Number(size), usedBy: Number(usedBy), holders: holderList};
	});
}

// Parse a one-number sysfs file such as /sys/module/<m>/coresize, initsize or refcnt.
export function parseSysModuleNumber(text: string, path: string): number {
	const lines = contentLines(text);
	const [first] = lines;
	if (lines.length !== 1 || !first) {
		throw new MemoryParseError(`expected exactly one line, found ${lines.length}`, {
			source: path,
			lineNumber: lines[1]?.lineNumber ?? 1,
			line: lines[1]?.line ?? '',
		});
	}
	// refcnt is module_refcount(), which reads -1 while a module is going away.
	const pattern = path.endsWith('/refcnt') ? /^-?\d+$/ : /^\d+$/;
	const value = first.line.trim();
	if (!pattern.test(value)) {
		throw new MemoryParseError(`expected a whole number, found "${value}"`, {source: path, ...first});
	}
	return Number(value);
}
