// Strict reader for Wycheproof xdh_comp_schema_v1 X25519 files (the repository's copy or a user's --file).
import {basename, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {UsageError} from '../util/errors.ts';
import {readInputFile} from '../util/read-input.ts';
import {isAllZero, KEY_BYTES, type VectorResult, type X25519Vector} from './vector.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

// The repository's own copy of Wycheproof's x25519_test.json (vectors/README.md: source, licence),
// so a plain clone runs without anything beside it.
export const DEFAULT_WYCHEPROOF_PATH = resolve(REPO_ROOT, 'vectors/wycheproof-x25519_test.json');

const RESULTS: readonly VectorResult[] = ['valid', 'acceptable', 'invalid'];
const HEX_FIELDS = ['public', 'private', 'shared'] as const;

type Json = Record<string, unknown>;

function describe(value: unknown): string {
	if (value === undefined) return 'nothing (field missing)';
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'an array';
	if (typeof value === 'object') return 'an object';
	const text = JSON.stringify(value);
	return text.length > 40 ? `${typeof value} ${text.slice(0, 37)}...` : `${typeof value} ${text}`;
}

function isObject(value: unknown): value is Json {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class Checker {
	constructor(
		readonly label: string,
		readonly where: string | undefined,
	) {}

	fail(field: string, problem: string): never {
		const where = this.where === undefined ? '' : `${this.where}: `;
		throw new UsageError(`${this.label}: ${where}field "${field}": ${problem}`);
	}

	string(object: Json, field: string): string {
		const value = object[field];
		if (typeof value !== 'string') this.fail(field, `expected a string, got ${describe(value)}`);
		return value;
	}

	constant(object: Json, field: string, wanted: string): void {
		const value = object[field];
		if (value !== wanted) this.fail(field, `expected ${JSON.stringify(wanted)}, got ${describe(value)}`);
	}

	array(object: Json, field: string): unknown[] {
		const value = object[field];
		if (!Array.isArray(value)) this.fail(field, `expected an array, got ${describe(value)}`);
		return value;
	}

	hex(object: Json, field: string, bytes: number): Buffer {
		const value = this.string(object, field);
		const bad = value.search(/[^\da-f]/i);
		if (bad >= 0) this.fail(field, `expected hex, found ${JSON.stringify(value[bad])} at character ${bad}`);
		if (value.length !== bytes * 2) this.fail(field, `expected ${bytes * 2} hex characters, got ${value.length}`);
		return Buffer.from(value, 'hex');
	}
}

function parseTest(test: unknown, label: string, at: string, source: 'wycheproof' | 'file', seen: Set<number>): X25519Vector {
	if (!isObject(test)) throw new UsageError(`${label}: ${at}: expected an object, got ${describe(test)}`);
	const tcId = test['tcId'];
	if (typeof tcId !== 'number' || !Number.isSafeInteger(tcId) || tcId < 0) {
		throw new UsageError(`${label}: ${at}: field "tcId": expected a non-negative integer, got ${describe(tcId)}`);
	}
	const check: Checker = new Checker(label, `tcId ${tcId}`);
	if (seen.has(tcId)) check.fail('tcId', 'duplicate test id');
	seen.add(tcId);
	const comment = check.string(test, 'comment');
	const flags = check.array(test, 'flags');
	flags.forEach((flag, i) => {
		if (typeof flag !== 'string') check.fail('flags', `entry ${i}: expected a string, got ${describe(flag)}`);
	});
	const [point, scalar, expected] = HEX_FIELDS.map(field => check.hex(test, field, KEY_BYTES)) as [Buffer, Buffer, Buffer];
	const result = test['result'];
	if (!RESULTS.includes(result as VectorResult)) {
		check.fail('result', `expected one of ${RESULTS.join('|')}, got ${describe(result)}`);
	}
	return {
		id: source === 'wycheproof' ? `wycheproof:${tcId}` : `file:${basename(label)}:${tcId}`,
		source,
		comment,
		scalar,
		point,
		expected,
		expectedOk: !isAllZero(expected),
		result: result as VectorResult,
		flags: flags as string[],
	};
}

// Parse and validate a Wycheproof XdhComp document; `label` names the file in every error.
export function parseWycheproof(text: string, label: string, source: 'wycheproof' | 'file' = 'wycheproof'): X25519Vector[] {
	let document: unknown;
	try {
		document = JSON.parse(text);
	} catch (error) {
		throw new UsageError(`${label}: ${describeJsonError(text, error)}`);
	}
	if (!isObject(document)) throw new UsageError(`${label}: expected a JSON object at top level, got ${describe(document)}`);
	const top: Checker = new Checker(label, undefined);
	top.constant(document, 'algorithm', 'XDH');
	const vectors: X25519Vector[] = [];
	const seen = new Set<number>();
	top.array(document, 'testGroups').forEach((group, g) => {
		const at = `testGroups[${g}]`;
		if (!isObject(group)) throw new UsageError(`${label}: ${at}: expected an object, got ${describe(group)}`);
		const check: Checker = new Checker(label, at);
		check.constant(group, 'type', 'XdhComp');
		check.constant(group, 'curve', 'curve25519');
		check.array(group, 'tests').forEach((test, i) => {
			vectors.push(parseTest(test, label, `${at}.tests[${i}]`, source, seen));
		});
	});
	const declared = document['numberOfTests'];
	if (declared !== undefined && declared !== vectors.length) {
		top.fail('numberOfTests', `says ${describe(declared)}, but the file holds ${vectors.length} tests`);
	}
	return vectors;
}

// Read and validate a Wycheproof file; source 'file' marks a user's own --file.
export async function loadWycheproof(path: string = DEFAULT_WYCHEPROOF_PATH, source: 'wycheproof' | 'file' = 'wycheproof'): Promise<X25519Vector[]> {
	let text: string;
	try {
		text = await readInputFile(path);
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code ?? String(error);
		throw new UsageError(`${path || '--file ""'}: cannot read vector file (${code})`);
	}
	return parseWycheproof(text, path, source);
}

// V8's JSON.parse message often omits the position, so find it ourselves with a small scanner.
function describeJsonError(text: string, error: unknown): string {
	let found: {offset: number; reason: string} | undefined;
	try {
		found = locateJsonError(text);
	} catch {
		found = undefined; // Pathological nesting overflowed the scanner's stack.
	}
	if (found === undefined) return `invalid JSON: ${error instanceof Error ? error.message : String(error)}`;
	const before = text.slice(0, found.offset);
	const line = before.split('\n').length;
	const column = found.offset - before.lastIndexOf('\n');
	return `invalid JSON at line ${line} column ${column} (offset ${found.offset}): ${found.reason}`;
}

class JsonSyntax {
	constructor(
		readonly offset: number,
		readonly reason: string,
	) {}
}

// Offset and reason of the first JSON syntax error in `text`, or undefined when it is valid.
function locateJsonError(text: string): {offset: number; reason: string} | undefined {
	let i = 0;
	const fail = (reason: string): never => {
		throw new JsonSyntax(i, i >= text.length ? 'unexpected end of input' : `${reason}, found ${JSON.stringify(text[i])}`);
	};
	const space = (): void => {
		while (i < text.length && ' \t\n\r'.includes(text[i] ?? '')) i++;
	};
	const expect = (char: string): void => {
		space();
		if (text[i] !== char) fail(`expected '${char}'`);
		i++;
	};
	const string = (): void => {
		expect('"');
		for (;;) {
			const c = text[i];
			if (c === undefined) fail('unterminated string');
			else if (c === '"') return void i++;
			else if (c < ' ') fail('control character in string');
			else if (c !== '\\') i++;
			else if (/^u[\da-f]{4}|^["\\/bfnrt]/i.test(text.slice(i + 1, i + 6))) i += text[i + 1] === 'u' ? 6 : 2;
			else fail('bad escape in string');
		}
	};
	const sequence = (close: string, item: () => void): void => {
		i++;
		space();
		if (text[i] === close) return void i++;
		for (;;) {
			item();
			space();
			if (text[i] === close) return void i++;
			if (text[i] !== ',') fail(`expected ',' or '${close}'`);
			i++;
		}
	};
	const value = (): void => {
		space();
		const c = text[i];
		const literal = /true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
		literal.lastIndex = i;
		if (c === '{') sequence('}', () => (string(), expect(':'), value()));
		else if (c === '[') sequence(']', value);
		else if (c === '"') string();
		else if (literal.test(text)) i = literal.lastIndex;
		else fail('expected a value');
	};
	try {
		value();
		space();
		if (i < text.length) fail('unexpected data after the JSON value');
		return undefined;
	} catch (error) {
		if (error instanceof JsonSyntax) return {offset: error.offset, reason: error.reason};
		throw error;
	}
}
