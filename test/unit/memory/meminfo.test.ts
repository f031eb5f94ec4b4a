import {readFileSync} from 'node:fs';
import test from 'ava';
import {KplugError} from '../../../harness/util/errors.ts';
import {parseMeminfo, pickMemFields} from '../../../harness/memory/meminfo.ts';
import {MemoryParseError} from '../../../harness/memory/proc-modules.ts';

const fixture = (name: string): string =>
	readFileSync(new URL(`../../fixtures/memory/${name}`, import.meta.url), 'utf8');

test('fixture: every line parsed, names with parentheses kept', t => {
	const meminfo = parseMeminfo(fixture('meminfo.txt'));
	t.is(Object.keys(meminfo).length, 37);
	t.is(meminfo['Active(anon)'], 3508);
	t.is(meminfo['VmallocTotal'], 770048);
	t.is(meminfo['Committed_AS'], 14068);
});

test('fixture: the fields a module moves', t => {
	t.deepEqual(pickMemFields(parseMeminfo(fixture('meminfo.txt'))), {
		MemTotal: 245444,
		MemFree: 218236,
		MemAvailable: 213076,
		VmallocUsed: 472,
		Percpu: 288,
		KernelStack: 376,
		PageTables: 104,
		SUnreclaim: 6532,
		Slab: 9344,
	});
});

test('unitless page counts are left out, kB lines beside them kept', t => {
	const meminfo = parseMeminfo(
		['HugePages_Total:       0', 'HugePages_Free:        0', 'Hugepagesize:       2048 kB'].join('\n'),
	);
	t.deepEqual(meminfo, {Hugepagesize: 2048});
});

const rejectsLine = test.macro<[string, number, RegExp]>({
	exec(t, text: string, lineNumber: number, reason: RegExp) {
		const error = t.throws(() => parseMeminfo(text), {instanceOf: MemoryParseError});
		t.is(error?.data.lineNumber, lineNumber);
		t.regex(error?.message ?? '', new RegExp(`^/proc/meminfo line ${lineNumber}: `));
		t.regex(error?.message ?? '', reason);
	},
	title: (provided = '', text, lineNumber) => `${provided} ${JSON.stringify(text.split('\n')[lineNumber - 1])}`,
});
test('rejects a missing colon:', rejectsLine, 'MemTotal:  245444 kB\nMemFree 218236 kB', 2, /Name:/);
test('rejects a non-number:', rejectsLine, 'MemTotal:  245444 kB\n\nMemFree:  lots kB', 3, /Name:/);
test('rejects another unit:', rejectsLine, 'MemTotal:  240 MB', 1, /Name:/);
test('rejects a repeated field:', rejectsLine, 'MemTotal:  245444 kB\nMemFree:  1 kB\nMemTotal:  245444 kB', 3, /duplicate field MemTotal/);

test('pickMemFields names every field the kernel did not print', t => {
	const meminfo = parseMeminfo(fixture('meminfo.txt'));
	delete meminfo['Percpu'];
	delete meminfo['SUnreclaim'];
	const error = t.throws(() => pickMemFields(meminfo), {instanceOf: KplugError});
	t.is(error?.message, '/proc/meminfo lacks Percpu, SUnreclaim');
});
