import test from 'ava';
import {archFirst} from '../../../harness/scenarios/defs/arch-first.ts';
import {scenario, scenarios} from '../../../harness/scenarios/registry.ts';
import {moduleNames} from '../../../harness/subject/designs.ts';
import {UsageError} from '../../../harness/util/errors.ts';

const ids = [
	'arch-first',
	'lib-first',
	'no-arch',
	'modprobe',
	'rmmod',
	'runtime-unplug',
	'unplug-under-load',
	'alias',
	'blacklist-modprobe-d',
	'alias-blacklist',
	'blacklist-install',
	'blacklist-cmdline-modprobe',
	'blacklist-cmdline-kernel',
];
const blacklists = ids.filter(id => id.startsWith('blacklist-'));
const roles = Object.keys(moduleNames);

test('scenario ids are unique and stable, in report order', t => {
	t.deepEqual(scenarios.map(s => s.id), ids);
	t.is(new Set(scenarios.map(s => s.id)).size, scenarios.length);
});

test('every scenario has a title, a description and at least one module step', t => {
	for (const s of scenarios) {
		t.true(s.title.trim().length > 0, s.id);
		t.true(s.description.trim().length > 0, s.id);
		t.true(s.steps.some(step => step.kind !== 'probe'), s.id);
	}
});

test("every step's module role is valid, and probe labels are not 'end'", t => {
	t.deepEqual([...roles].sort(), ['arch', 'driver', 'generic', 'lib']);
	for (const s of scenarios) {
		for (const step of s.steps) {
			if (step.kind === 'probe') {
				// The runner adds the 'end' probe itself; claims look it up by label.
				t.not(step.label, 'end', s.id);
				continue;
			}
			if (step.kind === 'modprobe-alias') {
				t.is(step.alias, 'crypto-curve25519', s.id);
				continue;
			}
			if (step.kind === 'unplug-under-load') {
				t.true(step.iterations >= 100 && step.seconds > 0, s.id);
				continue;
			}
			t.true(['insmod', 'rmmod', 'modprobe', 'finit_module', 'delete_module'].includes(step.kind), `${s.id}: ${step.kind}`);
			t.true(roles.includes(step.module), `${s.id}: ${step.kind} ${step.module}`);
		}
	}
});

test('blacklist scenarios name curve25519_neon in their file or command line', t => {
	t.is(moduleNames.arch, 'curve25519_neon');
	for (const id of blacklists) {
		const s = scenario(id);
		const text = [...s.files.map(f => f.content), ...s.append].join('\n');
		t.true(text.includes(moduleNames.arch), id);
		t.true(s.withArch, `${id} needs the arch module in the image to blacklist it`);
		const expected = id === 'blacklist-cmdline-kernel' ? [{kind: 'modprobe', module: 'driver'}, {kind: 'finit_module', module: 'arch'}] : [{kind: 'modprobe', module: 'driver'}];
		t.deepEqual(s.steps, expected, id);
	}
	t.deepEqual(scenario('blacklist-modprobe-d').files, [{path: '/etc/modprobe.d/kplug-blacklist.conf', content: 'blacklist curve25519_neon\n'}]);
	t.deepEqual(scenario('blacklist-install').files, [{path: '/etc/modprobe.d/kplug-blacklist.conf', content: 'install curve25519_neon /bin/false\n'}]);
	t.deepEqual(scenario('blacklist-cmdline-modprobe').append, ['modprobe.blacklist=curve25519_neon']);
	t.deepEqual(scenario('blacklist-cmdline-kernel').append, ['module_blacklist=curve25519_neon']);
});

test('files are written where kmod reads them: /etc/modprobe.d/*.conf', t => {
	for (const s of scenarios) for (const f of s.files) t.regex(f.path, /^\/etc\/modprobe\.d\/[\w.-]+\.conf$/, s.id);
});

test('only blacklist scenarios change the kernel command line or write files', t => {
	for (const s of scenarios) {
		if (blacklists.includes(s.id) || s.id === 'alias-blacklist') continue;
		t.deepEqual(s.append, [], s.id);
		t.deepEqual(s.files, [], s.id);
	}
});

test('no-arch has withArch false and never touches the arch module; all others carry it', t => {
	const noArch = scenario('no-arch');
	t.false(noArch.withArch);
	t.false(noArch.steps.some(step => 'module' in step && step.module === 'arch'));
	for (const s of scenarios) if (s.id !== 'no-arch') t.true(s.withArch, s.id);
});

test("rmmod starts with arch-first's steps, probes while plugged, then unplugs", t => {
	const rmmod = scenario('rmmod');
	t.deepEqual(rmmod.steps.slice(0, archFirst.steps.length), archFirst.steps);
	t.deepEqual(rmmod.steps.slice(archFirst.steps.length), [
		{kind: 'probe', label: 'plugged'},
		{kind: 'rmmod', module: 'arch'},
		{kind: 'delete_module', module: 'arch'},
		{kind: 'rmmod', module: 'driver'},
		{kind: 'rmmod', module: 'lib'},
		{kind: 'rmmod', module: 'arch'},
		{kind: 'insmod', module: 'lib'},
		{kind: 'insmod', module: 'driver'},
	]);
});

test('arch-first and lib-first differ only in the order of lib and arch', t => {
	const order = (id: string): string[] => scenario(id).steps.map(s => (s.kind === 'probe' ? s.label : `${s.kind} ${'module' in s ? s.module : 'alias' in s ? s.alias : ''}`));
	t.deepEqual(order('arch-first'), ['insmod generic', 'insmod arch', 'insmod lib', 'insmod driver']);
	t.deepEqual(order('lib-first'), ['insmod generic', 'insmod lib', 'insmod arch', 'insmod driver']);
});

// Runtime unplug keeps every user loaded and asks the kernel itself: nothing is removed or reloaded around it.
test('runtime-unplug: modprobe the driver, probe, delete_module arch (kernel), probe again; no reload', t => {
	t.deepEqual(scenario('runtime-unplug').steps, [
		{kind: 'modprobe', module: 'driver'},
		{kind: 'probe', label: 'plugged'},
		{kind: 'delete_module', module: 'arch'},
		{kind: 'probe', label: 'after-unplug'},
	]);
});

test('alias scenarios: modprobe by alias then the driver, one of them with a blacklist line', t => {
	const steps = [{kind: 'modprobe-alias', alias: 'crypto-curve25519'}, {kind: 'modprobe', module: 'driver'}];
	t.deepEqual(scenario('alias').steps, steps);
	t.deepEqual(scenario('alias').files, []);
	t.deepEqual(scenario('alias-blacklist').steps, steps);
	t.deepEqual(scenario('alias-blacklist').files, [{path: '/etc/modprobe.d/kplug-blacklist.conf', content: 'blacklist curve25519_neon\n'}]);
});

test('scenario() returns the registered object; unknown ids list the valid ones', t => {
	for (const s of scenarios) t.is(scenario(s.id), s);
	const error = t.throws(() => scenario('rmmod-twice'), {instanceOf: UsageError});
	t.regex(error?.message ?? '', /^unknown scenario "rmmod-twice" \(scenarios: /);
	t.true(error?.message.endsWith(`(scenarios: ${ids.join(', ')})`), error?.message);
});
