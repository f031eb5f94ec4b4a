import {readdirSync} from 'node:fs';
import {readFile} from 'node:fs/promises';
import {join} from 'node:path';
import test from 'ava';
import {
	ConfigValidationError,
	findMismatches,
	mergeFragments,
	parseDotConfig,
	parseFragment,
	renderFragment,
	type ConfigMismatch,
} from '../../../harness/build/fragment.ts';
import {KplugError, UsageError} from '../../../harness/util/errors.ts';
import {repoPath} from '../../../harness/util/paths.ts';

const file = '/somewhere/kernel-config/profiles/test.config';

const acceptsLine = test.macro<[string, string, string]>({
	exec(t, line: string, symbol: string, value: string) {
		const fragment = parseFragment(`# a comment first\n${line}\n`, file);
		t.deepEqual(fragment.entries, [{symbol, value, file, line: 2}]);
	},
	title: (provided = '', line) => `${provided} ${JSON.stringify(line)}`.trim(),
});

test('accepts', acceptsLine, 'CONFIG_X=y', 'X', 'y');
test('accepts', acceptsLine, 'CONFIG_X=m', 'X', 'm');
test('accepts', acceptsLine, 'CONFIG_X=n', 'X', 'n');
test('accepts', acceptsLine, 'CONFIG_CMDLINE="console=ttyAMA0 quiet"', 'CMDLINE', '"console=ttyAMA0 quiet"');
test('accepts', acceptsLine, 'CONFIG_S="with \\"escaped\\" quotes"', 'S', '"with \\"escaped\\" quotes"');
test('accepts', acceptsLine, 'CONFIG_PANIC_TIMEOUT=123', 'PANIC_TIMEOUT', '123');
test('accepts', acceptsLine, 'CONFIG_PANIC_TIMEOUT=-1', 'PANIC_TIMEOUT', '-1');
test('accepts', acceptsLine, 'CONFIG_PHYS_OFFSET=0x1f', 'PHYS_OFFSET', '0x1f');
test('accepts', acceptsLine, '# CONFIG_THUMB2_KERNEL is not set', 'THUMB2_KERNEL', 'n');
test('accepts (surrounding blanks trimmed)', acceptsLine, '  CONFIG_X=y\r', 'X', 'y');

test('comment and blank lines give no entries', t => {
	const fragment = parseFragment('# Default profile: Thumb-2\n\n#\n   \n# plain words\n', file);
	t.deepEqual(fragment.entries, []);
	t.is(fragment.file, file);
});

test('text is kept verbatim and line numbers count blank and comment lines', t => {
	const text = '# head\n\nCONFIG_A=y\n# note\nCONFIG_B=m\n';
	const fragment = parseFragment(text, file);
	t.is(fragment.text, text);
	t.deepEqual(
		fragment.entries.map(e => [e.symbol, e.line]),
		[
			['A', 3],
			['B', 5],
		],
	);
});

const rejectsLine = test.macro<[string]>({
	exec(t, line: string) {
		const error = t.throws(() => parseFragment(`CONFIG_OK=y\n# fine\n${line}\n`, file), {instanceOf: UsageError});
		// file:line uses the file's base name and the 1-based line number.
		t.true(error?.message.startsWith('test.config:3: '), error?.message);
		t.true(error?.message.endsWith(line.trim()), error?.message);
	},
	title: (provided = '', line) => `${provided} ${JSON.stringify(line)}`.trim(),
});

test('rejects', rejectsLine, 'CONFIG_X');
test('rejects', rejectsLine, 'CONFIG_x=maybe');
test('rejects', rejectsLine, 'CONFIG_X=yes');
test('rejects', rejectsLine, 'CONFIG_X=');
test('rejects', rejectsLine, 'CONFIG_X="unterminated');
test('rejects', rejectsLine, 'CONFIG_X=0x');
test('rejects', rejectsLine, 'CONFIG_X = y');
test('rejects', rejectsLine, 'FOO=y');
test('rejects', rejectsLine, '# CONFIG_X is set');
test('rejects', rejectsLine, '#CONFIG_X is not set');
test('rejects', rejectsLine, '# CONFIG_X=y');

test('a rejected line is a UsageError (exit code 2), i.e. a KplugError', t => {
	const error = t.throws(() => parseFragment('FOO=y', file));
	t.true(error instanceof KplugError);
	t.is((error as UsageError).exitCode, 2);
});

test('mergeFragments: later fragments override earlier ones, in order', t => {
	const base = parseFragment('CONFIG_A=y\nCONFIG_B=y\nCONFIG_C=m\n', '/k/base.config');
	const mid = parseFragment('# CONFIG_B is not set\nCONFIG_D=y\n', '/k/mid.config');
	const top = parseFragment('CONFIG_C=y\nCONFIG_B=m\n', '/k/top.config');
	const merged = mergeFragments([base, mid, top]);
	const bySymbol = new Map(merged.map(e => [e.symbol, e]));
	t.deepEqual([...bySymbol.keys()].sort(), ['A', 'B', 'C', 'D']);
	t.is(merged.length, 4);
	t.like(bySymbol.get('A'), {value: 'y', file: '/k/base.config', line: 1});
	t.like(bySymbol.get('B'), {value: 'm', file: '/k/top.config', line: 2});
	t.like(bySymbol.get('C'), {value: 'y', file: '/k/top.config', line: 1});
	t.like(bySymbol.get('D'), {value: 'y', file: '/k/mid.config', line: 2});
});

test('mergeFragments: order of the fragments decides the winner', t => {
	const a = parseFragment('CONFIG_X=y\n', 'a.config');
	const b = parseFragment('# CONFIG_X is not set\n', 'b.config');
	t.is(mergeFragments([a, b])[0]?.value, 'n');
	t.is(mergeFragments([b, a])[0]?.value, 'y');
	t.deepEqual(mergeFragments([]), []);
});

test('renderFragment round-trips through parseFragment', t => {
	const entries = mergeFragments([
		parseFragment(
			'CONFIG_A=y\nCONFIG_B=m\n# CONFIG_C is not set\nCONFIG_D=n\nCONFIG_E="a b"\nCONFIG_F=-1\nCONFIG_G=0x1f\nCONFIG_H=42\n',
			'in.config',
		),
	]);
	const text = renderFragment(entries);
	t.true(text.endsWith('\n'));
	t.regex(text, /^# CONFIG_C is not set$/m);
	t.regex(text, /^# CONFIG_D is not set$/m);
	t.notRegex(text, /=n$/m);
	const back = parseFragment(text, 'out.config');
	t.deepEqual(
		back.entries.map(e => [e.symbol, e.value]),
		entries.map(e => [e.symbol, e.value]),
	);
	// And rendering again is a fixed point.
	t.is(renderFragment(back.entries), text);
});

// A few lines of a resolved .config as `make allnoconfig` writes it.
const sampleDotConfig = `#
# Automatically generated file; DO NOT EDIT.
# Linux/arm 6.1.153 Kernel Configuration
#
CONFIG_CC_VERSION_TEXT="arm-linux-gnueabihf-gcc (Debian 12.2.0-14) 12.2.0"
CONFIG_MMU=y
CONFIG_ARCH_MULTI_V7=y
# CONFIG_THUMB2_KERNEL is not set
CONFIG_ARM_MODULE_PLTS=y
CONFIG_CRYPTO_LIB_CURVE25519=m
CONFIG_PANIC_TIMEOUT=-1
CONFIG_PHYS_OFFSET=0x40000000
`;

test('parseDotConfig reads set, unset and valued symbols and skips comments', t => {
	const values = parseDotConfig(sampleDotConfig);
	t.is(values.get('MMU'), 'y');
	t.is(values.get('THUMB2_KERNEL'), 'n');
	t.is(values.get('CRYPTO_LIB_CURVE25519'), 'm');
	t.is(values.get('PANIC_TIMEOUT'), '-1');
	t.is(values.get('CC_VERSION_TEXT'), '"arm-linux-gnueabihf-gcc (Debian 12.2.0-14) 12.2.0"');
	t.false(values.has('NEON'));
	t.is(values.size, 8);
});

test('findMismatches: all honoured gives none; "is not set" and absent both equal n', t => {
	const asked = parseFragment(
		'CONFIG_MMU=y\n# CONFIG_THUMB2_KERNEL is not set\nCONFIG_THUMB2_KERNEL=n\n# CONFIG_NEVER_HEARD_OF is not set\nCONFIG_CRYPTO_LIB_CURVE25519=m\nCONFIG_PANIC_TIMEOUT=-1\nCONFIG_PHYS_OFFSET=0x40000000\n',
		'ok.config',
	).entries;
	t.deepEqual(findMismatches(asked, parseDotConfig(sampleDotConfig)), []);
});

test('findMismatches reports asked/got for a wrong value and an absent symbol', t => {
	const asked = parseFragment(
		'CONFIG_MMU=y\nCONFIG_THUMB2_KERNEL=y\nCONFIG_CRYPTO_LIB_CURVE25519=y\nCONFIG_NEON=y\nCONFIG_PANIC_TIMEOUT=0\n',
		'/k/profiles/thumb2.config',
	).entries;
	t.deepEqual(findMismatches(asked, parseDotConfig(sampleDotConfig)), [
		{symbol: 'THUMB2_KERNEL', asked: 'y', got: 'n', file: '/k/profiles/thumb2.config', line: 2},
		{symbol: 'CRYPTO_LIB_CURVE25519', asked: 'y', got: 'm', file: '/k/profiles/thumb2.config', line: 3},
		{
			symbol: 'NEON',
			asked: 'y',
			got: 'absent (unknown symbol or unmet dependency)',
			file: '/k/profiles/thumb2.config',
			line: 4,
		},
		{symbol: 'PANIC_TIMEOUT', asked: '0', got: '-1', file: '/k/profiles/thumb2.config', line: 5},
	]);
});

test('findMismatches: asking n of a symbol Kconfig set is a mismatch', t => {
	const asked = parseFragment('# CONFIG_ARM_MODULE_PLTS is not set\n', 'noplts.config').entries;
	t.deepEqual(findMismatches(asked, parseDotConfig(sampleDotConfig)), [
		{symbol: 'ARM_MODULE_PLTS', asked: 'n', got: 'y', file: 'noplts.config', line: 1},
	]);
});

test('ConfigValidationError lists every symbol with asked, chosen and file:line', t => {
	const mismatches: ConfigMismatch[] = [
		{symbol: 'THUMB2_KERNEL', asked: 'y', got: 'n', file: '/k/profiles/thumb2.config', line: 2},
		{symbol: 'NEON', asked: 'y', got: 'absent (unknown symbol or unmet dependency)', file: '/k/base.config', line: 16},
	];
	const error = new ConfigValidationError('thumb2', mismatches);
	t.true(error instanceof KplugError);
	t.is(error.name, 'ConfigValidationError');
	t.is(error.profile, 'thumb2');
	t.deepEqual(error.mismatches, mismatches);
	const lines = error.message.split('\n');
	t.is(lines.length, 3);
	t.regex(lines[0] ?? '', /^profile thumb2: .*2 fragment setting/);
	t.is(lines[1], '  CONFIG_THUMB2_KERNEL: asked y, Kconfig chose n (thumb2.config:2)');
	t.is(lines[2], '  CONFIG_NEON: asked y, Kconfig chose absent (unknown symbol or unmet dependency) (base.config:16)');
});

// The real fragments shipped in kernel-config/.
const profileDir = repoPath('kernel-config', 'profiles');
const profileFiles = readdirSync(profileDir).filter(f => f.endsWith('.config')).sort();

test('the real base.config parses and asks for modules and the crypto API (the curve25519 pieces are per kernel)', async t => {
	const path = repoPath('kernel-config', 'base.config');
	const base = parseFragment(await readFile(path, 'utf8'), path);
	const values = new Map(base.entries.map(e => [e.symbol, e.value]));
	t.true(base.entries.length > 10);
	t.is(values.get('MODULES'), 'y');
	t.is(values.get('MODULE_UNLOAD'), 'y');
	t.is(values.get('CRYPTO'), 'y');
	// Spelled per kernel in kernel-config/kernels/<id>.config (7.x has no CRYPTO_CURVE25519_NEON).
	t.false([...values.keys()].some(symbol => symbol.includes('CURVE25519')));
	// The profile switches belong to the profiles, not the base.
	t.false(values.has('THUMB2_KERNEL'));
	t.false(values.has('ARM_MODULE_PLTS'));
	// No symbol is set twice in one file.
	t.is(values.size, base.entries.length);
});

test('the three promised profile fragments exist', t => {
	for (const name of ['arm.config', 'thumb2-noplts.config', 'thumb2.config']) t.true(profileFiles.includes(name), name);
});

const profileParses = test.macro<[string]>({
	async exec(t, name: string) {
		const path = join(profileDir, name);
		const text = await readFile(path, 'utf8');
		const fragment = parseFragment(text, path);
		t.true(fragment.entries.length > 0);
		// The first line describes the profile (profiles.ts shows it as the description).
		t.regex(text.split('\n')[0] ?? '', /^# \S/);
	},
	title: (provided = '', name) => `${provided} profiles/${name} parses`.trim(),
});
for (const name of profileFiles) test(profileParses, name);

const profileSets = test.macro<[string, {THUMB2_KERNEL: string; ARM_MODULE_PLTS: string}]>({
	async exec(t, name: string, expected) {
		const path = repoPath('kernel-config', 'profiles', `${name}.config`);
		const fragment = parseFragment(await readFile(path, 'utf8'), path);
		const values = Object.fromEntries(fragment.entries.map(e => [e.symbol, e.value]));
		// Explicitly: each symbol has its own line in the profile, none inherited from elsewhere.
		t.is(values['THUMB2_KERNEL'], expected.THUMB2_KERNEL);
		t.is(values['ARM_MODULE_PLTS'], expected.ARM_MODULE_PLTS);
		t.is(fragment.entries.filter(e => e.symbol === 'THUMB2_KERNEL').length, 1);
		t.is(fragment.entries.filter(e => e.symbol === 'ARM_MODULE_PLTS').length, 1);
	},
	title: (provided = '', name) => `${provided} profile ${name} sets THUMB2_KERNEL and ARM_MODULE_PLTS explicitly`.trim(),
});

test(profileSets, 'thumb2', {THUMB2_KERNEL: 'y', ARM_MODULE_PLTS: 'y'});
test(profileSets, 'arm', {THUMB2_KERNEL: 'n', ARM_MODULE_PLTS: 'y'});
test(profileSets, 'thumb2-noplts', {THUMB2_KERNEL: 'y', ARM_MODULE_PLTS: 'n'});
