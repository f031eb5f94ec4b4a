// depmod in the guest: the script runs the image's own depmod like the host would and sends every file it wrote as
// hex; the parser gets the bytes back exactly (binary indexes included) and refuses what is not od's output.
import test from 'ava';
import {execFileSync} from 'node:child_process';
import {guestDepmodScript, kmodMajor, parseGuestDepmodOutput} from '../../../harness/subject/guest-depmod.ts';
import {KplugError} from '../../../harness/util/errors.ts';

test('the script runs depmod -F System.map -e for the release and sends the modules.* files kplug did not put there', t => {
	const script = guestDepmodScript('6.12.58');
	t.regex(script, /\/sbin\/depmod -F \/boot\/System\.map -e 6\.12\.58/);
	t.regex(script, /cd \/lib\/modules\/6\.12\.58/);
	for (const staged of ['modules.builtin', 'modules.builtin.modinfo', 'modules.order']) t.true(script.includes(`${staged}) continue ;;`), staged);
});

const hex = (bytes: Uint8Array): string => [...bytes].map(b => b.toString(16).padStart(2, '0')).join(' ');

test('the files come back byte for byte, depmod\'s warnings before the first file are not a file', t => {
	const bin = Uint8Array.from([0xb0, 0x07, 0xf4, 0x57, 0x00, 0x02, 0x00, 0x01, 0x0a, 0xff]);
	const text = new TextEncoder().encode('kernel/kplug/libcurve25519.ko: kernel/kplug/curve25519-neon.ko\n');
	const out = [
		'depmod: WARNING: something',
		'@@kplug-depmod-file modules.dep',
		` ${hex(text.slice(0, 16))}`,
		` ${hex(text.slice(16))}`,
		'@@kplug-depmod-file modules.dep.bin',
		` ${hex(bin)}`,
		'@@kplug-depmod-file modules.weakdep',
		'',
	].join('\n');
	const files = parseGuestDepmodOutput(out);
	t.deepEqual(Object.keys(files), ['modules.dep', 'modules.dep.bin', 'modules.weakdep']);
	t.deepEqual(files['modules.dep'], text);
	t.deepEqual(files['modules.dep.bin'], bin);
	t.is(files['modules.weakdep']!.length, 0);
});

test('output that is not od\'s hex is an error naming the file', t => {
	t.throws(() => parseGuestDepmodOutput('@@kplug-depmod-file modules.dep\n 6b 65 zz\n'), {instanceOf: KplugError, message: /unexpected output line for modules\.dep/});
});

test('the script is valid shell (sh -n), and kmodMajor reads depmod --version', t => {
	t.notThrows(() => execFileSync('sh', ['-n', '-c', guestDepmodScript('6.12.58')]));
	t.throws(() => execFileSync('sh', ['-n', '-c', `${guestDepmodScript('6.12.58')}\ncase x in`], {stdio: 'ignore'}));
	t.is(kmodMajor('kmod version 34.2\n+ZSTD +XZ -ZLIB +OPENSSL\n'), '34');
	t.is(kmodMajor('kmod version 30\n'), '30');
	t.is(kmodMajor('depmod: unrecognized option'), undefined);
});
