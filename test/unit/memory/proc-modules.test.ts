import {readFileSync} from 'node:fs';
import test from 'ava';
import {KplugError} from '../../../harness/util/errors.ts';
import {
	MemoryParseError,
	parseLsmod,
	parseProcModules,
	parseSysModuleNumber,
} from '../../../harness/memory/proc-modules.ts';

const fixture = (name: string): string =>
	readFileSync(new URL(`../../fixtures/memory/${name}`, import.meta.url), 'utf8');

test('/proc/modules fixture: every column of every module', t => {
	t.deepEqual(parseProcModules(fixture('proc-modules.txt')), [
		{
			name: 'kplug_x25519',
			size: 12288,
			refcount: 0,
			holders: [],
			permanent: false,
			state: 'Live',
			address: '0xbf01a000',
			taints: 'O',
		},
		{
			name: 'libcurve25519',
			size: 20480,
			refcount: 1,
			holders: ['kplug_x25519'],
			permanent: false,
			state: 'Live',
			address: '0xbf011000',
			taints: '',
		},
		{
			name: 'curve25519_neon',
			size: 16384,
			refcount: 2,
			holders: ['kplug_x25519', 'libcurve25519'],
			permanent: false,
			state: 'Live',
			address: '0xbf00a000',
			taints: '',
		},
		{
			name: 'libcurve25519_generic',
			size: 28672,
			refcount: 2,
			holders: ['kplug_x25519', 'curve25519_neon'],
			permanent: false,
			state: 'Live',
			address: '0xbf000000',
			taints: '',
		},
	]);
});

test('/proc/modules: a loading module, [permanent], no MODULE_UNLOAD, hidden address', t => {
	const text = [
		'kplug_x25519 45056 1 - Loading 0xBF01A000 (OE+)',
		'',
		'forever 4096 0 [permanent], Live 0xbf030000',
		'nounload 8192 - - Live 0x00000000',
		'gone 8192 -1 - Unloading 0xbf040000 (O-)',
	].join('\r\n');
	const [loading, permanent, noUnload, going] = parseProcModules(text);
	t.like(loading, {state: 'Loading', taints: 'OE', refcount: 1, address: '0xbf01a000'});
	t.like(permanent, {holders: [], permanent: true, refcount: 0});
	t.like(noUnload, {refcount: null, holders: [], address: '0x00000000'});
	t.like(going, {state: 'Unloading', refcount: -1, taints: 'O'});
});

const rejectsLine = test.macro<[(text: string) => unknown, string, number, RegExp]>({
	exec(t, parse: (text: string) => unknown, text: string, lineNumber: number, reason: RegExp) {
		const error = t.throws(() => parse(text), {instanceOf: MemoryParseError});
		t.true(error instanceof KplugError);
		t.is(error?.data.lineNumber, lineNumber);
		t.regex(error?.message ?? '', new RegExp(`line ${lineNumber}: `));
		t.regex(error?.message ?? '', reason);
	},
	title: (provided = '', _parse, _text, lineNumber) => `${provided} (line ${lineNumber})`,
});

const goodLine = 'libcurve25519 20480 1 kplug_x25519, Live 0xbf011000';
test('/proc/modules rejects a missing column', rejectsLine, parseProcModules, `${goodLine}\nfoo 4096 0 - Live`, 2, /6 or 7 fields/);
test('/proc/modules rejects a size that is not a number', rejectsLine, parseProcModules, `${goodLine}\n\nfoo 4k 0 - Live 0xbf000000`, 3, /bad size/);
test('/proc/modules rejects holders without the trailing comma', rejectsLine, parseProcModules, 'foo 4096 1 bar Live 0xbf000000', 1, /holders/);
test('/proc/modules rejects an unknown state', rejectsLine, parseProcModules, `${goodLine}\nfoo 4096 0 - Dead 0xbf000000`, 2, /bad state "Dead"/);
test('/proc/modules rejects an address without 0x', rejectsLine, parseProcModules, 'foo 4096 0 - Live bf000000', 1, /bad address/);
test('/proc/modules rejects taints without parentheses', rejectsLine, parseProcModules, 'foo 4096 0 - Live 0xbf000000 O', 1, /bad taints/);
test('/proc/modules rejects a module name with a dash', rejectsLine, parseProcModules, 'curve25519-neon 4096 0 - Live 0xbf000000', 1, /module name/);
test('lsmod rejects output without its header', rejectsLine, parseLsmod, 'kplug_x25519 12288 0', 1, /header/);
test('lsmod rejects a row with a bad use count', rejectsLine, parseLsmod, 'Module                  Size  Used by\nfoo 4096 x', 2, /use count/);
test('lsmod rejects a row with spaces between holders', rejectsLine, parseLsmod, 'Module                  Size  Used by\nfoo 4096 2 a, b', 2, /3 or 4 fields/);

test('lsmod fixture: rows with holders', t => {
	t.deepEqual(parseLsmod(fixture('lsmod.txt')), [
		{name: 'kplug_x25519', size: 12288, usedBy: 0, holders: []},
		{name: 'libcurve25519', size: 20480, usedBy: 1, holders: ['kplug_x25519']},
		{name: 'curve25519_neon', size: 16384, usedBy: 2, holders: ['kplug_x25519', 'libcurve25519']},
		{name: 'libcurve25519_generic', size: 28672, usedBy: 2, holders: ['curve25519_neon', 'kplug_x25519']},
	]);
});

test('lsmod and /proc/modules fixtures describe the same modules', t => {
	const proc = parseProcModules(fixture('proc-modules.txt'));
	const lsmod = parseLsmod(fixture('lsmod.txt'));
	t.deepEqual(
		lsmod.map(({name, size, usedBy, holders}) => ({name, size, usedBy, holders: [...holders].sort()})),
		proc.map(({name, size, refcount, holders}) => ({name, size, usedBy: refcount, holders: [...holders].sort()})),
	);
});

test('lsmod with no modules loaded is an empty list', t => {
	t.deepEqual(parseLsmod('Module                  Size  Used by\n'), []);
});

test('sysfs numbers: coresize, initsize, refcnt', t => {
	t.is(parseSysModuleNumber('16384\n', '/sys/module/curve25519_neon/coresize'), 16384);
	t.is(parseSysModuleNumber('0\n', '/sys/module/curve25519_neon/initsize'), 0);
	t.is(parseSysModuleNumber('-1\n', '/sys/module/curve25519_neon/refcnt'), -1);
});

const rejectsSysfs = test.macro<[string, string]>({
	exec(t, text: string, path: string) {
		const error = t.throws(() => parseSysModuleNumber(text, path), {instanceOf: MemoryParseError});
		t.true(error?.message.startsWith(`${path} line `));
	},
	title: (provided = '', text, path) => `${provided} sysfs ${path.split('/').pop()} rejects ${JSON.stringify(text)}`,
});
test(rejectsSysfs, '', '/sys/module/x/coresize');
test(rejectsSysfs, 'abc\n', '/sys/module/x/coresize');
test(rejectsSysfs, '-1\n', '/sys/module/x/coresize');
test(rejectsSysfs, '1\n2\n', '/sys/module/x/refcnt');
