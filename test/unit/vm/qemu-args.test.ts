import test from 'ava';
import {cpuModel, cpuModels} from '../../../harness/vm/cpu-models.ts';
import {baseCmdline, kernelCmdline, qemuArgs, shellQuote, type QemuConfig} from '../../../harness/vm/qemu-args.ts';
import {UsageError} from '../../../harness/util/errors.ts';

const cfg: QemuConfig = {
	kernel: '/cache/kernel/thumb2-abc/arch/arm/boot/zImage',
	initrd: '/cache/image/neon-abc.cpio',
	qemuCpu: 'cortex-a15',
	memoryMiB: 256,
	agentSocket: '/tmp/kplug-XYZ/agent.sock',
	append: ['module_blacklist=curve25519_neon', 'loglevel=8'],
};
const argv = qemuArgs(cfg);

// The value following a flag; fails the test if the flag is absent or repeated.
function valueOf(args: readonly string[], flag: string): string | undefined {
	const at = args.flatMap((a, i) => (a === flag ? [i] : []));
	return at.length === 1 ? args[at[0]! + 1] : undefined;
}

const flagValue = test.macro<[string, string]>({
	exec(t, flag: string, value: string) {
		t.is(valueOf(argv, flag), value);
	},
	title: (provided = '', flag, value) => `${provided} ${flag} ${value}`.trim(),
});

test(flagValue, '-machine', 'virt');
test(flagValue, '-cpu', 'cortex-a15');
test(flagValue, '-m', '256');
test(flagValue, '-smp', '2');
test(flagValue, '-display', 'none');
test('no network:', flagValue, '-nic', 'none');
test('console on stdio:', flagValue, '-serial', 'stdio');
test(flagValue, '-kernel', '/cache/kernel/thumb2-abc/arch/arm/boot/zImage');
test(flagValue, '-initrd', '/cache/image/neon-abc.cpio');
test('agent chardev on the socket:', flagValue, '-chardev', 'socket,id=agent,path=/tmp/kplug-XYZ/agent.sock');

test('-nodefaults and -no-reboot are there, as bare flags', t => {
	t.true(argv.includes('-nodefaults'));
	t.true(argv.includes('-no-reboot'));
	// A bare flag is never mistaken for the value of the one before it.
	for (const flag of ['-nodefaults', '-no-reboot']) t.regex(argv[argv.indexOf(flag) + 1] ?? '', /^-/);
});

test('no network device or default NIC sneaks in', t => {
	t.false(argv.some(a => /^-(net|netdev)$/.test(a)));
	t.false(argv.some(a => /virtio-net|user,|tap,/.test(a)));
});

test('virtio-serial device, then a virtserialport named kplug.agent on the agent chardev', t => {
	const devices = argv.flatMap((a, i) => (a === '-device' ? [argv[i + 1]] : []));
	t.deepEqual(devices, ['virtio-serial-device', 'virtserialport,chardev=agent,name=kplug.agent']);
	const chardevId = /id=([^,]+)/.exec(valueOf(argv, '-chardev') ?? '')?.[1];
	t.is(chardevId, 'agent');
});

test('flags and values alternate: every value follows its flag', t => {
	const bare = new Set(['-nodefaults', '-no-reboot']);
	for (let i = 0; i < argv.length; ) {
		t.regex(argv[i] ?? '', /^-[a-z]/, `argv[${i}]`);
		i += bare.has(argv[i]!) ? 1 : 2;
	}
});

test('-append is the base command line followed by the extra kernel arguments', t => {
	const append = valueOf(argv, '-append') ?? '';
	t.is(append, 'console=ttyAMA0 panic=-1 rdinit=/sbin/kplug-agent module_blacklist=curve25519_neon loglevel=8');
	t.true(append.startsWith(baseCmdline.join(' ') + ' '));
	t.true(append.endsWith(cfg.append.join(' ')));
	t.is(kernelCmdline({append: []}), 'console=ttyAMA0 panic=-1 rdinit=/sbin/kplug-agent');
	t.is(valueOf(qemuArgs({...cfg, append: []}), '-append'), 'console=ttyAMA0 panic=-1 rdinit=/sbin/kplug-agent');
});

test('the console the kernel is told about is the one QEMU puts on stdio (PL011 ttyAMA0)', t => {
	t.true(baseCmdline.includes('console=ttyAMA0'));
	t.true(baseCmdline.includes('panic=-1'));
});

const cpuString = test.macro<[string, string, boolean]>({
	exec(t, name: string, qemuCpu: string, neon: boolean) {
		const model = cpuModel(name);
		t.like(model, {name, qemuCpu, neon});
		t.is(valueOf(qemuArgs({...cfg, qemuCpu: model.qemuCpu}), '-cpu'), qemuCpu);
	},
	title: (provided = '', name, qemuCpu) => `${provided} cpu model ${name} is -cpu ${qemuCpu}`.trim(),
});

test(cpuString, 'neon', 'cortex-a15', true);
test(cpuString, 'noneon', 'cortex-a15,neon=off', false);

test('cpuModels has unique names and each describes itself', t => {
	t.deepEqual(cpuModels.map(m => m.name), ['neon', 'noneon']);
	for (const m of cpuModels) t.truthy(m.description);
});

test('cpuModel of an unknown name throws a UsageError listing the valid models', t => {
	const error = t.throws(() => cpuModel('x'), {instanceOf: UsageError});
	t.regex(error?.message ?? '', /unknown CPU model "x"/);
	t.regex(error?.message ?? '', /neon, noneon/);
	t.throws(() => cpuModel('NEON'), {instanceOf: UsageError});
	t.throws(() => cpuModel('cortex-a15'), {instanceOf: UsageError});
});

test('no monitor and no incoming state unless asked for', t => {
	t.false(argv.includes('-qmp'));
	t.false(argv.includes('-incoming'));
});

test('a snapshot VM has a QMP socket; a restored VM reads its state through exec:cat, quoted for /bin/sh', t => {
	t.is(valueOf(qemuArgs({...cfg, qmpSocket: '/tmp/kplug-XYZ/qmp.sock'}), '-qmp'), 'unix:/tmp/kplug-XYZ/qmp.sock,server=on,wait=off');
	const restored = qemuArgs({...cfg, incomingState: "/tmp/it's here/state.bin"});
	t.is(valueOf(restored, '-incoming'), `exec:cat '/tmp/it'\\''s here/state.bin'`);
	// The rest of the machine is the same as a cold boot's: a state only loads into the machine that saved it.
	t.deepEqual(restored.slice(0, argv.length), argv);
});

test('shellQuote: one word for sh, whatever it holds', t => {
	t.is(shellQuote('plain'), `'plain'`);
	t.is(shellQuote(`a'b $x`), `'a'\\''b $x'`);
});
