import test from 'ava';
import {errnoFromSyscallAnswer, errnoFromMessage} from '../../../harness/scenarios/errno.ts';

const decodes = test.macro<[string, string | undefined]>({
	exec(t, message, errno) {
		t.is(errnoFromMessage(message), errno);
	},
	title: (provided = '', message, errno) => `${provided || message} → ${errno ?? 'undefined'}`,
});

// Messages kmod printed in the 108-cell run.
test(decodes, 'insmod: ERROR: could not insert module /lib/modules/6.1.176/kernel/kplug/libcurve25519.ko: Unknown symbol in module', 'ENOENT');
test(decodes, 'insmod: ERROR: could not insert module /lib/modules/6.1.176/kernel/kplug/libcurve25519.ko: Invalid module format', 'ENOEXEC');
test(decodes, 'insmod: ERROR: could not insert module /lib/modules/6.1.176/kernel/kplug/curve25519-neon.ko: No such device', 'ENODEV');
test(decodes, "modprobe: ERROR: could not insert 'kplug_x25519': No such device", 'ENODEV');
test(decodes, "modprobe: ERROR: could not insert 'kplug_x25519': Operation not permitted", 'EPERM');
test(decodes, 'rmmod: ERROR: Module curve25519_neon is in use by: libcurve25519', 'EBUSY');
test(decodes, 'rmmod: ERROR: Module curve25519_neon is in use by: libcurve25519 kplug_x25519', 'EBUSY');
test(decodes, 'rmmod: ERROR: Module curve25519_neon is not currently loaded', 'ENOENT');
test(
	'install /bin/false (two-line kmod message)',
	decodes,
	"modprobe: ERROR: ../libkmod/libkmod-module.c:1047 command_do() Error running install command '/bin/false' for module curve25519_neon: retcode 1\nmodprobe: ERROR: could not insert 'kplug_x25519': Invalid argument",
	'EINVAL',
);

// Other kmod messages.
test(decodes, 'insmod: ERROR: could not insert module /lib/modules/6.1.176/kernel/kplug/kplug-x25519.ko: Operation not permitted', 'EPERM');
test(decodes, 'modprobe: FATAL: Module x not found in directory /lib/modules/6.1.176', 'ENOENT');
test(decodes, "modprobe: ERROR: could not insert 'libcurve25519': Unknown symbol in module, or unknown parameter (see dmesg)", 'ENOENT');
test(decodes, 'insmod: ERROR: could not insert module /lib/modules/6.1.176/kernel/kplug/libcurve25519.ko: File exists', 'EEXIST');
test(decodes, 'insmod: ERROR: could not load module /tmp/missing.ko: No such file or directory', 'ENOENT');
test(decodes, 'insmod: ERROR: could not insert module x.ko: Exec format error', 'ENOEXEC');
test(decodes, 'insmod: ERROR: could not insert module x.ko: Cannot allocate memory', 'ENOMEM');
test(decodes, 'insmod: ERROR: could not insert module x.ko: Key was rejected by service', 'EKEYREJECTED');
test(decodes, 'rmmod: ERROR: could not remove module curve25519_neon: Device or resource busy', 'EBUSY');
test(decodes, 'INSMOD: ERROR: ... INVALID MODULE FORMAT', 'ENOEXEC');

// Nothing recognisable.
test(decodes, 'insmod: ERROR: could not insert module x.ko: No such device or address', undefined);
test(decodes, 'Segmentation fault', undefined);
test('an empty message', decodes, '', undefined);

// The agent's raw-syscall answer carries the kernel's errno number itself (32-bit ARM numbering).
test('errnoFromSyscallAnswer names the kernel errno of a raw syscall', t => {
	t.is(errnoFromSyscallAnswer('delete_module: errno=11 (Resource temporarily unavailable)'), 'EAGAIN');
	t.is(errnoFromSyscallAnswer('finit_module: errno=19 (No such device)'), 'ENODEV');
	t.is(errnoFromSyscallAnswer('finit_module: errno=8 (Exec format error)'), 'ENOEXEC');
	t.is(errnoFromSyscallAnswer('delete_module: errno=2 (No such file or directory)'), 'ENOENT');
	t.is(errnoFromSyscallAnswer('finit_module: errno=4242 (?)'), 'errno 4242');
	t.is(errnoFromSyscallAnswer('delete_module: ok'), undefined);
});

// The same removal, two answers: kmod's own holders check vs the kernel's delete_module.
test("kmod's rmmod message and the kernel's answer decode to different errnos", t => {
	t.is(errnoFromMessage('rmmod: ERROR: Module curve25519_neon is in use by: libcurve25519 kplug_x25519'), 'EBUSY');
	t.is(errnoFromSyscallAnswer('delete_module: errno=11 (Resource temporarily unavailable)'), 'EAGAIN');
});
