// The end-of-cell readings in one guest request: the script asks for every section, and the parser reads each as the
// separate reads did (kmod's lsmod/modinfo by path, modinfo's failures with exit code and stderr).
import test from 'ava';
import {endReadingsScript, parseEndReadings, readingSections} from '../../../harness/scenarios/observe.ts';
import {KplugError} from '../../../harness/util/errors.ts';

const mark = '@@kplug-reading ';
const answer = [
	`${mark}proc-modules`,
	'kplug_x25519 20480 0 - Live 0x00000000 (O)',
	'libcurve25519 24576 1 kplug_x25519, Live 0x00000000',
	`${mark}lsmod`,
	'Module                  Size  Used by',
	'kplug_x25519           20480  0',
	'libcurve25519          24576  1 kplug_x25519',
	`${mark}sysfs`,
	'kplug_x25519 0',
	'libcurve25519 1 kplug_x25519',
	`${mark}kallsyms`,
	// grep -F curve25519_ gives every symbol with that prefix or infix: only the exact names count.
	'00000000 r __kstrtab_curve25519_neon\t[curve25519_neon_old]',
	'00000000 T curve25519_generic\t[libcurve25519]',
	'00000000 t curve25519_arch\t[libcurve25519]',
	'00000000 T curve25519_neon\t[libcurve25519]',
	`${mark}modules.dep`,
	'kernel/kplug/kplug-x25519.ko: kernel/kplug/libcurve25519.ko',
	'kernel/kplug/libcurve25519.ko:',
	// kmod 34 wrote modules.weakdep (its comment line is dropped by the script's grep -v).
	`${mark}modules.weakdep`,
	'(modules.weakdep)',
	'weakdep libcurve25519 curve25519-neon',
	`${mark}modinfo libcurve25519`,
	'',
	`${mark}exit 0`,
	`${mark}modinfo kplug_x25519`,
	'libcurve25519',
	`${mark}exit 0`,
	`${mark}modinfo curve25519_neon`,
	`${mark}exit 1`,
	'modinfo: ERROR: Module curve25519_neon not found.',
	`${mark}dmesg`,
	'[    0.300000] Run /sbin/kplug-agent as init process',
	'[    1.000000] kplug_x25519: loading out-of-tree module taints kernel.',
	'[    1.100000] WARNING: CPU: 0 PID: 1 at something',
	`${mark}tainted`,
	'4096',
	'',
].join('\n');

test('the script reads every section once, kmod\'s tools by path, modinfo per module with its exit code', t => {
	const script = endReadingsScript('7.3.4', ['libcurve25519', 'kplug_x25519']);
	for (const name of ['proc-modules', 'lsmod', 'sysfs', 'kallsyms', 'modules.dep', 'modules.weakdep', 'modinfo libcurve25519', 'modinfo kplug_x25519', 'dmesg', 'tainted']) t.is(script.split(`'${mark}${name}'`).length, 2, name);
	t.regex(script, /\/sbin\/lsmod/);
	t.regex(script, /grep -F curve25519_ \/proc\/kallsyms/);
	t.regex(script, /\/sbin\/modinfo -F depends kplug_x25519 2>\/tmp\/kplug-modinfo\.err; rc=\$\?; echo; echo "@@kplug-reading exit \$rc"/, 'the exit code is modinfo\'s, taken before the echo');
	t.regex(script, /cat \/lib\/modules\/7\.3\.4\/modules\.dep/);
	t.regex(script, /f=\/lib\/modules\/7\.3\.4\/modules\.weakdep; if \[ -e \$f \]; then echo '\(modules\.weakdep\)'; grep -v '\^#' \$f; fi/);
});

test('parseEndReadings: modules cross-checked with sysfs and lsmod, kallsyms owners, recorded dependencies, the log of interest and taint', t => {
	const r = parseEndReadings(answer, ['libcurve25519', 'kplug_x25519', 'curve25519_neon']);
	t.deepEqual(r.modules.map(m => [m.name, m.refcount, m.holders, m.sysfsRefcnt, m.sysfsHolders, m.inLsmod]), [
		['kplug_x25519', 0, [], 0, [], true],
		['libcurve25519', 1, ['kplug_x25519'], 1, ['kplug_x25519'], true],
	]);
	t.deepEqual(r.kallsyms, {arch: {present: true, owner: 'libcurve25519'}, neon: {present: true, owner: 'libcurve25519'}});
	t.deepEqual(r.recorded.modulesDep, ['kernel/kplug/kplug-x25519.ko: kernel/kplug/libcurve25519.ko', 'kernel/kplug/libcurve25519.ko:']);
	t.deepEqual(r.recorded.modulesWeakdep, ['weakdep libcurve25519 curve25519-neon']);
	t.deepEqual(r.recorded.modinfoDepends, {libcurve25519: '', kplug_x25519: 'libcurve25519', curve25519_neon: '(modinfo exit 1: modinfo: ERROR: Module curve25519_neon not found.)'});
	t.deepEqual(r.log, {lines: ['kplug_x25519: loading out-of-tree module taints kernel.', 'WARNING: CPU: 0 PID: 1 at something'], tainted: '4096'});
});

test('an answer without a section is a rig error naming it, not an empty reading', t => {
	const cut = answer.slice(0, answer.indexOf(`${mark}dmesg`));
	t.throws(() => parseEndReadings(cut, []), {instanceOf: KplugError, message: /no "dmesg" section/});
	t.deepEqual([...readingSections('').keys()], []);
});

test('the script\'s own layout: a blank line before every marker, output without a final newline, modinfo\'s exit after a blank line', t => {
	const layout = [
		'',
		`${mark}proc-modules`, 'libcurve25519 24576 0 - Live 0x00000000', '',
		`${mark}lsmod`, 'Module                  Size  Used by', 'libcurve25519          24576  0', '',
		`${mark}sysfs`, 'libcurve25519 0', '',
		`${mark}kallsyms`, '00000000 t curve25519_arch.constprop.0\t[libcurve25519]', '',
		`${mark}modules.dep`, 'kernel/kplug/libcurve25519.ko:', '',
		// kmod 30: no modules.weakdep, the section is empty.
		`${mark}modules.weakdep`, '',
		`${mark}modinfo libcurve25519`, '', '', `${mark}exit 0`,
		'',
		`${mark}dmesg`, '[    0.3] Run /sbin/kplug-agent as init process', '[    1.0] no newline at the end',
		`${mark}tainted`, '0', '', '',
	].join('\n');
	const r = parseEndReadings(layout, ['libcurve25519']);
	t.deepEqual(r.modules.map(m => [m.name, m.sysfsRefcnt, m.inLsmod]), [['libcurve25519', 0, true]]);
	t.deepEqual(r.kallsyms.arch, {present: true, owner: 'libcurve25519'}, 'a compiler suffix is still the symbol');
	t.deepEqual(r.kallsyms.neon, {present: false, owner: undefined});
	t.deepEqual(r.recorded, {modulesDep: ['kernel/kplug/libcurve25519.ko:'], modinfoDepends: {libcurve25519: ''}});
	t.deepEqual(r.log, {lines: [], tainted: '0'});
	t.is(readingSections(layout).get('proc-modules'), 'libcurve25519 24576 0 - Live 0x00000000\n');
	t.is(readingSections(layout).get('tainted'), '0\n');
});
