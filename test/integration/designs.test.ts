import test from 'ava';
import {basename} from 'node:path';
import {designModuleFiles, designs, moduleNames} from '../../harness/subject/designs.ts';
import {decodeDriverResponse, encodeDriverRequest, parseDriverInfo} from '../../harness/subject/driver-protocol.ts';
import {bootGuest} from '../../harness/subject/guest.ts';
import {errnoFromMessage} from '../../harness/scenarios/errno.ts';
import {rfc7748FunctionVectors} from '../../harness/vectors/rfc7748.ts';
import {logDir, ourQemus, testGuestContext} from './_context.ts';

const ctx = await testGuestContext();
const vector = rfc7748FunctionVectors()[0]!;

test.afterEach.always('no qemu of ours is left running', async t => {
	t.deepEqual(await ourQemus(), []);
});

for (const d of designs) {
	// Dependency order, from the design: static-call's arch module links against the library.
	const order = d.loadOrder;
	test(`${d.name}: modules load in dependency order (${order.join(', ')}); RFC 7748 §5.2 #1 through arch and generic; the path report matches`, async t => {
		const {vm, build} = await bootGuest(ctx, {profile: 'thumb2', design: d.name, cpu: 'neon', withArch: true}, await logDir(t, d.name));
		try {
			const files = designModuleFiles(build, d);
			for (const role of order) {
				const result = await vm.exec(['insmod', `/lib/modules/${build.kernel.release}/kernel/kplug/${basename(files[role]!)}`]);
				t.is(result.exitCode, 0, `insmod ${role}: ${result.stderr}`);
			}
			const info = parseDriverInfo((await vm.devio('/dev/kplug_x25519', encodeDriverRequest({op: 'info', mode: 'api', items: []}))).response);
			t.is(info['design'], d.name);
			t.is(info['arch_resolved'], '1');
			const expectedApiPath = d.libFrom === 'set' ? 'arch' : 'arch-entry';
			for (const [mode, path] of [['api', expectedApiPath], ['generic', 'generic']] as const) {
				const answer = await vm.devio('/dev/kplug_x25519', encodeDriverRequest({op: 'x25519', mode, items: [{scalar: vector.scalar, point: vector.point}]}));
				t.is(answer.errno, 0);
				const item = decodeDriverResponse(answer.response).items[0]!;
				t.is(item.out.toString('hex'), vector.expected.toString('hex'), `${mode} result`);
				t.true(item.ok);
				t.is(item.path, path, `${mode} path`);
			}
			const kallsyms = await vm.exec(['grep', '-w', 'curve25519_arch', '/proc/kallsyms']);
			t.regex(kallsyms.stdout, new RegExp(`\\[${moduleNames.arch}\\]`));
		} finally {
			await vm.close();
		}
	});
}

test('weak: the arch module refuses to load on a CPU without NEON (ENODEV + kernel log), the library serves generic', async t => {
	const d = designs.find(x => x.name === 'weak')!;
	const {vm, build} = await bootGuest(ctx, {profile: 'thumb2', design: 'weak', cpu: 'noneon', withArch: true}, await logDir(t, 'noneon'));
	try {
		const files = designModuleFiles(build, d);
		const dir = `/lib/modules/${build.kernel.release}/kernel/kplug`;
		t.is((await vm.exec(['insmod', `${dir}/${basename(files.generic!)}`])).exitCode, 0);
		const arch = await vm.exec(['insmod', `${dir}/${basename(files.arch!)}`]);
		t.not(arch.exitCode, 0);
		t.is(errnoFromMessage(arch.stderr), 'ENODEV');
		t.true(arch.consoleLines.some(l => /NEON/i.test(l)), arch.consoleLines.join('\n'));
		t.is((await vm.exec(['insmod', `${dir}/${basename(files.lib!)}`])).exitCode, 0);
		t.is((await vm.exec(['insmod', `${dir}/${basename(files.driver!)}`])).exitCode, 0);
		const answer = await vm.devio('/dev/kplug_x25519', encodeDriverRequest({op: 'x25519', mode: 'api', items: [{scalar: vector.scalar, point: vector.point}]}));
		const item = decodeDriverResponse(answer.response).items[0]!;
		t.is(item.path, 'generic');
		t.true(item.out.equals(vector.expected));
	} finally {
		await vm.close();
	}
});

test('a corrupt .ko is refused with ENOEXEC and named in the step result', async t => {
	const {vm} = await bootGuest(ctx, {profile: 'thumb2', design: 'weak', cpu: 'neon', withArch: true}, await logDir(t, 'corrupt'));
	try {
		await vm.writeFile('/tmp/corrupt.ko', Buffer.from('\x7fELF this is not a module'));
		const result = await vm.exec(['insmod', '/tmp/corrupt.ko']);
		t.not(result.exitCode, 0);
		t.is(errnoFromMessage(result.stderr), 'ENOEXEC');
	} finally {
		await vm.close();
	}
});
