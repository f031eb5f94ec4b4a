import {readFileSync} from 'node:fs';
import test from 'ava';
import {KplugError} from '../../../harness/util/errors.ts';
import {parseMeminfo} from '../../../harness/memory/meminfo.ts';
import {MemoryParseError, parseProcModules} from '../../../harness/memory/proc-modules.ts';
import {
	attributeModuleAreas,
	moduleLoaderTotal,
	parseVmallocinfo,
	type VmallocArea,
} from '../../../harness/memory/vmallocinfo.ts';

const fixture = (name: string): string =>
	readFileSync(new URL(`../../fixtures/memory/${name}`, import.meta.url), 'utf8');

const areas = parseVmallocinfo(fixture('vmallocinfo.txt'));
const modules = parseProcModules(fixture('proc-modules.txt'));

test('fixture: module core, ioremap, dma-coherent and unpurged lines', t => {
	t.is(areas.length, 65);
	t.deepEqual(areas[0], {
		lineNumber: 1,
		start: 0xbf000000n,
		end: 0xbf008000n,
		size: 32768,
		caller: 'load_module+0x9a0/0x1e28',
		pages: 7,
		phys: null,
		flags: ['vmalloc'],
		numa: {},
	});
	t.like(areas.find(area => area.phys === '0x08000000'), {caller: 'of_iomap+0x40/0x4c', pages: 0, flags: ['ioremap']});
	t.like(areas.find(area => area.flags.includes('dma-coherent')), {size: 266240, pages: 0});
	const unpurged = areas.filter(area => area.flags.includes('unpurged'));
	t.deepEqual(unpurged.map(area => [area.start, area.caller]), [
		[0xbf008000n, null],
		[0xbf00f000n, null],
		[0xbf017000n, null],
		[0xbf01e000n, null],
	]);
});

test('fixture: vmalloc pages add up to VmallocUsed of the same snapshot', t => {
	const pages = areas.filter(area => area.flags.includes('vmalloc')).reduce((sum, area) => sum + area.pages, 0);
	t.is(parseMeminfo(fixture('meminfo.txt'))['VmallocUsed'], pages * 4);
});

test('each module gets the area holding its core image', t => {
	t.deepEqual(attributeModuleAreas(areas, modules), [
		{name: 'kplug_x25519', address: '0xbf01a000', bytes: 16384, pages: 3, areas: 1},
		{name: 'libcurve25519', address: '0xbf011000', bytes: 24576, pages: 5, areas: 1},
		{name: 'curve25519_neon', address: '0xbf00a000', bytes: 20480, pages: 4, areas: 1},
		{name: 'libcurve25519_generic', address: '0xbf000000', bytes: 32768, pages: 7, areas: 1},
	]);
});

test('resident pages match /proc/modules sizes (page-aligned cores)', t => {
	for (const module of attributeModuleAreas(areas, modules)) {
		const size = modules.find(({name}) => name === module.name)?.size;
		t.is(size, module.pages * 4096, module.name);
		// vmallocinfo's size counts the guard page on top.
		t.is(module.bytes, module.pages * 4096 + 4096, module.name);
	}
});

test('loader total counts module cores, not freed init images awaiting purge', t => {
	t.deepEqual(moduleLoaderTotal(areas), {bytes: 94208, pages: 19, areas: 4});
});

test('loader callers: move_module, module_alloc and compiler-suffixed names; not bpf_jit', t => {
	const text = [
		'0xbf000000-0xbf002000    8192 move_module.constprop.0+0x20/0x1b0 pages=1 vmalloc',
		'0xbf002000-0xbf005000   12288 module_alloc+0x5c/0x9c pages=2 vmalloc',
		'0xbf005000-0xbf007000    8192 bpf_jit_binary_alloc+0x5c/0xc4 pages=1 vmalloc',
		'0xbf007000-0xbf009000    8192 reload_module+0x10/0x40 pages=1 vmalloc',
	].join('\n');
	t.deepEqual(moduleLoaderTotal(parseVmallocinfo(text)), {bytes: 20480, pages: 3, areas: 2});
});

test('containment, not equality: an address inside an area is attributed; end is exclusive', t => {
	const text = '0xbf000000-0xbf004000   16384 load_module+0x9a0/0x1e28 pages=3 vmalloc\n';
	const parsed = parseVmallocinfo(text);
	t.like(attributeModuleAreas(parsed, [{name: 'inner', address: '0xbf001040'}])[0], {bytes: 16384, pages: 3});
	t.throws(() => attributeModuleAreas(parsed, [{name: 'after', address: '0xbf004000'}]), {
		instanceOf: KplugError,
		message: /no \/proc\/vmallocinfo area contains after at 0xbf004000/,
	});
});

test('callers inside modules, NUMA counts, user and vm_map_ram lines', t => {
	const text = [
		'0xe0a00000-0xe0a03000   12288 kplug_alloc+0x34/0x120 [kplug_x25519] pages=2 vmalloc N0=2',
		'0xe0a04000-0xe0a06000    8192 bpf_map_area_mmapable_alloc+0x2c/0x90 pages=1 vmalloc user vpages',
		'0xe0b00000-0xe0b04000   16384 vm_map_ram',
		'0xe0c00000-0xe0c02000    8192 pages=1 vmap',
	].join('\n');
	const [inModule, user, ram, noCaller] = parseVmallocinfo(text);
	t.like(inModule, {caller: 'kplug_alloc+0x34/0x120 [kplug_x25519]', pages: 2, numa: {N0: 2}, flags: ['vmalloc']});
	t.deepEqual(user?.flags, ['vmalloc', 'user', 'vpages']);
	t.like(ram, {caller: null, pages: 0, flags: ['vm_map_ram'], size: 16384});
	t.like(noCaller, {caller: null, pages: 1, flags: ['vmap']});
});

const rejectsLine = test.macro<[string, RegExp]>({
	exec(t, line: string, reason: RegExp) {
		const text = `${fixture('vmallocinfo.txt')}\n${line}\n`;
		const lineNumber = text.split('\n').length - 1;
		const error = t.throws(() => parseVmallocinfo(text), {instanceOf: MemoryParseError});
		t.is(error?.data.lineNumber, lineNumber);
		t.regex(error?.message ?? '', new RegExp(`^/proc/vmallocinfo line ${lineNumber}: `));
		t.regex(error?.message ?? '', reason);
	},
	title: (provided = '', line) => `${provided} rejects ${JSON.stringify(line)}`.trim(),
});
test(rejectsLine, '0xbf000000 8192 load_module+0x9a0/0x1e28 pages=1 vmalloc', /bad range/);
test(rejectsLine, '0x(ptrval)-0x(ptrval)    8192 load_module+0x9a0/0x1e28', /bad range/);
test(rejectsLine, '0xbf000000-0xbf002000 8k load_module+0x9a0/0x1e28', /bad size/);
test(rejectsLine, '0xbf000000-0xbf002000    8192 load_module+0x9a0/0x1e28 pages=many vmalloc', /bad field "pages=many"/);
test(rejectsLine, '0xbf000000-0xbf002000    8192 load_module+0x9a0/0x1e28 pages=1 VMALLOC', /unexpected field "VMALLOC"/);

function withRanges(start: bigint, end: bigint): VmallocArea[] {
	return areas.map((area, index) => (index === 2 ? {...area, start, end} : area));
}

test('refuses hashed addresses (kptr_restrict=0) instead of attributing nothing', t => {
	t.throws(() => attributeModuleAreas(withRanges(0x5c1e2f7an, 0x0a9b33d1n), modules), {
		instanceOf: KplugError,
		message: /line 3: .*hashed.*kptr_restrict/,
	});
});

test('refuses zeroed addresses (kptr_restrict=2 or no CAP_SYSLOG)', t => {
	t.throws(() => attributeModuleAreas(withRanges(0n, 0n), modules), {instanceOf: KplugError, message: /zeroed/});
});

test('refuses a module whose address /proc/modules hid', t => {
	t.throws(() => attributeModuleAreas(areas, [{name: 'curve25519_neon', address: '0x00000000'}]), {
		instanceOf: KplugError,
		message: /hides the address of curve25519_neon/,
	});
});

test('a module missing from vmallocinfo is an error, not 0 bytes', t => {
	t.throws(() => attributeModuleAreas(areas, [{name: 'elsewhere', address: '0xbf100000'}]), {
		instanceOf: KplugError,
		message: /same boot/,
	});
});
