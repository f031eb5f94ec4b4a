import test from 'ava';
import {summarizeRounds, withinBootRounds, type GuestShell} from '../../../harness/memory/within-boot.ts';
import {InterruptedError} from '../../../harness/util/errors.ts';

const archPath = '/lib/modules/6.1.176/kernel/kplug/curve25519-neon.ko';

// A guest kernel in miniature: module areas in vmallocinfo, VmallocUsed following them, an init area the
// kernel frees a few reads after insmod returns, and MemFree wobbling by a fixed pattern whatever happens.
function fakeKernel(options: {neon: boolean; pendingInitReads?: number; onExec?: (argv: readonly string[]) => void}) {
	const modules = [{name: 'libcurve25519_generic', size: 8192, base: 0xbf000000, pages: 2}];
	let pendingInit = 0;
	let tick = 0;
	const wobble = [0, 300, -200, 1000, -500, 40];
	const log: string[][] = [];
	const ok = (stdout: string) => ({exitCode: 0, stdout, stderr: ''});
	const vmallocLines = (): string[] => [
		...modules.map(m => `0x${m.base.toString(16)}-0x${(m.base + (m.pages + 1) * 4096).toString(16)} ${(m.pages + 1) * 4096} load_module+0x9a0/0x1e28 pages=${m.pages} vmalloc`),
		...(pendingInit > 0 ? ['0xbf100000-0xbf102000 8192 load_module+0x9a0/0x1e28 pages=1 vmalloc'] : []),
		'0xd0800000-0xd0803000 12288 init_IRQ+0x8c/0xf0 pages=2 vmalloc',
	];
	const pages = (): number => modules.reduce((sum, m) => sum + m.pages, 0) + (pendingInit > 0 ? 1 : 0) + 2;
	const guest: GuestShell = {
		async exec(argv) {
			log.push([...argv]);
			options.onExec?.(argv);
			const [tool, arg] = argv;
			if (tool === 'cat' && arg === '/proc/meminfo') {
				const free = 230000 + (wobble[tick++ % wobble.length] ?? 0);
				return ok(`MemTotal: 245444 kB\nMemFree: ${free} kB\nMemAvailable: ${free - 5000} kB\nVmallocUsed: ${pages() * 4} kB\nSUnreclaim: 11400 kB\nSlab: 15000 kB\nKernelStack: 600 kB\nPageTables: 200 kB\nPercpu: 320 kB\nHugePages_Total: 0\n`);
			}
			if (tool === 'cat' && arg === '/proc/vmallocinfo') {
				const text = vmallocLines().join('\n') + '\n';
				if (pendingInit > 0) pendingInit--;
				return ok(text);
			}
			if (tool === 'cat' && arg === '/proc/modules') return ok(modules.map(m => `${m.name} ${m.size} 0 - Live 0x${m.base.toString(16)} (O)`).join('\n') + '\n');
			if (tool === 'cat' && arg?.startsWith('/sys/module/curve25519_neon/')) {
				return modules.some(m => m.name === 'curve25519_neon') ? ok(arg.endsWith('coresize') ? '9404\n' : '0\n') : {exitCode: 1, stdout: '', stderr: 'No such file or directory'};
			}
			if (tool === 'insmod') {
				if (!options.neon) return {exitCode: 1, stdout: '', stderr: `insmod: ERROR: could not insert module ${arg}: No such device\n`};
				modules.push({name: 'curve25519_neon', size: 9404, base: 0xbf010000, pages: 3});
				pendingInit = options.pendingInitReads ?? 0;
				return ok('');
			}
			if (tool === 'rmmod') {
				modules.splice(modules.findIndex(m => m.name === arg), 1);
				return ok('');
			}
			if (tool === 'modinfo') return ok('6.1.176 SMP mod_unload ARMv7 thumb2 p2v8\n');
			return {exitCode: 127, stdout: '', stderr: `unexpected ${argv.join(' ')}`};
		},
	};
	return {guest, log};
}

test('rounds: a warm-up of each kind, then control and insert rounds interleaved, read the same way', async t => {
	const {guest, log} = fakeKernel({neon: true});
	const rounds = await withinBootRounds(guest, {archPath, archName: 'curve25519_neon', rounds: 4});
	t.deepEqual(rounds.map(r => r.kind), ['control', 'insert', 'insert', 'control', 'control', 'insert', 'insert', 'control']);
	t.is(log.filter(argv => argv[0] === 'insmod').length, 5, 'one warm-up insmod that is not kept');
	// Every round makes the same reads; only the two commands between them differ.
	const readsPerRound = log.filter(argv => argv[0] === 'cat').length / 10;
	t.is(readsPerRound, 11);
	t.true(rounds.every(r => r.kind === 'control' ? !r.resident : r.resident));
});

test('summary: VmallocUsed and vmallocinfo see the 3 pages exactly, MemFree cannot see them through its wobble', async t => {
	const {guest} = fakeKernel({neon: true});
	const summary = summarizeRounds(await withinBootRounds(guest, {archPath, archName: 'curve25519_neon', rounds: 5}));
	t.is(summary.rounds, 5);
	t.is(summary.residentRounds, 5);
	t.deepEqual(summary.exact, {coreSize: 9404, initSize: 0, procModulesSize: 9404, vmallocPages: 3, vmallocBytes: 16384});
	const field = (name: string) => summary.figures.find(f => f.field === name)!;
	t.is(field('VmallocUsed').insert.median, 12);
	t.true(field('VmallocUsed').canSee);
	t.true(field('VmallocUsed').aboveNoise);
	t.is(field('vmallocinfo module areas').insert.median, 12);
	t.false(field('MemFree').canSee);
	t.is(field('Percpu').noiseFloor, 0);
});

test('the init area the kernel frees late is waited for, so the delta is what stays resident', async t => {
	const {guest} = fakeKernel({neon: true, pendingInitReads: 2});
	const summary = summarizeRounds(await withinBootRounds(guest, {archPath, archName: 'curve25519_neon', rounds: 3}));
	t.is(summary.settleReadsMax, 3);
	t.is(summary.figures.find(f => f.field === 'VmallocUsed')!.insert.median, 12);
});

test('a CPU without NEON: every insmod refused, nothing resident, the refusal quoted, no change seen', async t => {
	const {guest, log} = fakeKernel({neon: false});
	const summary = summarizeRounds(await withinBootRounds(guest, {archPath, archName: 'curve25519_neon', rounds: 3}));
	t.is(summary.residentRounds, 0);
	t.is(summary.refused, 'No such device');
	t.is(summary.exact, undefined);
	const vmalloc = summary.figures.find(f => f.field === 'VmallocUsed')!;
	t.is(vmalloc.insert.median, 0);
	t.true(vmalloc.canSee);
	t.false(log.some(argv => argv[0] === 'rmmod'), 'nothing to remove');
});

test('an interrupt between rounds stops the rounds with an InterruptedError', async t => {
	const controller = new AbortController();
	let inserts = 0;
	const {guest} = fakeKernel({neon: true, onExec: argv => {
		if (argv[0] === 'insmod' && ++inserts === 3) controller.abort(new InterruptedError('interrupted by SIGINT'));
	}});
	await t.throwsAsync(withinBootRounds(guest, {archPath, archName: 'curve25519_neon', rounds: 5, signal: controller.signal}), {instanceOf: InterruptedError, message: 'interrupted by SIGINT'});
});
