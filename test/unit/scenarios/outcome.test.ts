import test from 'ava';
import {evaluateClaims} from '../../../harness/scenarios/claims.ts';
import {cellOutcome, diffOutcome, taintLetters} from '../../../harness/scenarios/outcome.ts';
import type {CellObservation} from '../../../harness/scenarios/types.ts';
import {cell, errorCell, fixtureCells, fixtureKeys as k} from './_cells.ts';

const outcomeOf = (obs: CellObservation): Record<string, unknown> => cellOutcome(obs, evaluateClaims(obs));

test('cellOutcome of the real weak rmmod cell', t => {
	t.deepEqual(outcomeOf(cell(k.weakRmmod)), {
		status: 'completed',
		steps: [
			'insmod generic [kmod]: ok',
			'insmod arch [kmod]: ok',
			'insmod lib [kmod]: ok',
			'insmod driver [kmod]: ok',
			'rmmod arch [kmod]: EBUSY (exit 1)',
			'delete_module arch [kernel]: EAGAIN (exit 11)',
			'rmmod driver [kmod]: ok',
			'rmmod lib [kmod]: ok',
			'rmmod arch [kmod]: ok',
			'insmod lib [kmod]: ok',
			'insmod driver [kmod]: ok',
		],
		loaded: ['kplug_x25519 refs=0', 'libcurve25519 refs=1 by kplug_x25519', 'libcurve25519_generic refs=2 by kplug_x25519,libcurve25519'],
		kallsymsArch: 'absent',
		probes: ['plugged: resolved=true module=arch kernel=arch-glue→neon 4/4 generic 4/4', 'end: resolved=false module=generic kernel=generic 4/4 generic 4/4'],
		tainted: 'none',
		claims: {C1: 'holds', C2: 'n/a', C3: 'n/a', C4: 'holds', C5a: 'holds', C5b: 'n/a', C7: 'n/a', C8: 'holds'},
	});
});

test('cellOutcome of the real mainline no-arch cell: errno, driver not loaded', t => {
	const outcome = outcomeOf(cell(k.mainlineNoArch));
	t.deepEqual(outcome['steps'], ['insmod generic [kmod]: ok', 'insmod lib [kmod]: ENOENT (exit 1)', 'insmod driver [kmod]: ENOENT (exit 1)']);
	t.deepEqual(outcome['probes'], ['end: driver not loaded']);
	t.deepEqual(outcome['loaded'], ['libcurve25519_generic refs=0']);
});

test('a failed step without a decoded errno reads "error (exit N)"', t => {
	const obs = cell(k.mainlineNoArch, o => {
		const lib = o.steps[1];
		if (!lib) throw new Error('fixture has no second step');
		Object.assign(lib, {errno: undefined, exitCode: 2});
	});
	t.is((outcomeOf(obs)['steps'] as string[])[1], 'insmod lib [kmod]: error (exit 2)');
});

test('cellOutcome carries no timings, sizes, addresses or paths: stable across runs', t => {
	for (const original of fixtureCells()) {
		const varied = structuredClone(original);
		varied.bootMs += 1234;
		varied.durationMs *= 3;
		varied.logDir = '/elsewhere/out/runs/run-2027-01-01T00-00-00-000Z/cells/x';
		// The out-of-tree flag (O, 4096) is on in every cell: ignored. Other flags are not (test below).
		varied.tainted = String(Number(original.tainted) ^ 4096);
		for (const m of varied.modulesAtEnd) m.size += 64;
		for (const s of varied.steps) {
			s.kernelLog = s.kernelLog.map(l => `${l} (0xbf805062 -> 0x0)`);
			// Same kinds of console events, other text: only the kinds are part of the outcome.
			s.consoleEvents = s.consoleEvents.map(e => `${e.split(':')[0]}: [   12.345678] at 0xc0a1b2c3`);
			s.argv = s.argv.map(a => a.replace('6.1.176', '6.1.999'));
		}
		varied.kernelLogOfInterest = ['[   1.000000] libcurve25519: relocation 10 out of range (0xbf805062 -> 0x0)'];
		t.deepEqual(outcomeOf(varied), outcomeOf(original), original.cellKey);
		const text = JSON.stringify(outcomeOf(original));
		t.notRegex(text, /0x[0-9a-f]{4,}|\/lib\/modules|out\/runs|\d+\.\d{3,}/, original.cellKey);
		t.false(text.includes(String(original.durationMs)), original.cellKey);
	}
});

test('cellOutcome sorts holders and loaded modules, without reordering the observation', t => {
	const obs = cell(k.weakLibFirst);
	// /proc/modules order as observed: holders kplug_x25519, curve25519_neon, libcurve25519.
	const generic = obs.modulesAtEnd.find(m => m.name === 'libcurve25519_generic');
	t.deepEqual(generic?.holders, ['kplug_x25519', 'curve25519_neon', 'libcurve25519']);
	const loaded = outcomeOf(obs)['loaded'];
	t.deepEqual(loaded, [
		'curve25519_neon refs=0',
		'kplug_x25519 refs=0',
		'libcurve25519 refs=1 by kplug_x25519',
		'libcurve25519_generic refs=3 by curve25519_neon,kplug_x25519,libcurve25519',
	]);
	t.deepEqual(generic?.holders, ['kplug_x25519', 'curve25519_neon', 'libcurve25519']);
	const shuffled = structuredClone(obs);
	shuffled.modulesAtEnd.reverse();
	for (const m of shuffled.modulesAtEnd) m.holders.reverse();
	t.deepEqual(outcomeOf(shuffled), outcomeOf(obs));
});

test('cellOutcome of an error cell is status and error class only', t => {
	t.deepEqual(outcomeOf(errorCell()), {status: 'error', error: 'boot-timeout'});
});

test('cellOutcome records kallsyms ownership and the claim verdicts', t => {
	const outcome = outcomeOf(cell(k.weakBlacklist));
	t.is(outcome['kallsymsArch'], 'present in curve25519_neon');
	t.deepEqual(outcome['claims'], {C1: 'n/a', C2: 'fails', C3: 'n/a', C4: 'holds', C5a: 'n/a', C5b: 'n/a', C7: 'n/a', C8: 'holds'});
});

// diffOutcome

test('diffOutcome of identical outcomes is empty', t => {
	for (const obs of fixtureCells()) t.deepEqual(diffOutcome(outcomeOf(obs), outcomeOf(structuredClone(obs))), [], obs.cellKey);
});

test('diffOutcome of a cell not in the baseline lists every field as new', t => {
	const observed = outcomeOf(cell(k.weakNoArch));
	const lines = diffOutcome(undefined, observed);
	t.is(lines[0], '+ (new cell, not in baseline)');
	t.deepEqual(lines.slice(1), Object.entries(observed).map(([key, value]) => `+ ${key}: ${JSON.stringify(value)}`));
	t.is(lines.length, 1 + Object.keys(observed).length);
});

test('diffOutcome of a changed step shows the old and new step', t => {
	const baseline = outcomeOf(cell(k.weakNoArch));
	const observed = outcomeOf(
		cell(k.weakNoArch, obs => {
			const lib = obs.steps.find(s => s.label === 'insmod lib');
			if (!lib) throw new Error('fixture has no insmod lib step');
			Object.assign(lib, {exitCode: 1, errno: 'ENOEXEC', message: 'insmod: ERROR: could not insert module /lib/modules/6.1.176/kernel/kplug/libcurve25519.ko: Invalid module format'});
		}),
	);
	const lines = diffOutcome(baseline, observed);
	t.true(lines.includes('- steps: "insmod lib [kmod]: ok"'), lines.join('\n'));
	t.true(lines.includes('+ steps: "insmod lib [kmod]: ENOEXEC (exit 1)"'), lines.join('\n'));
	t.false(lines.some(l => l.includes('insmod generic')), 'unchanged steps are not listed');
	t.false(lines.some(l => l.startsWith('+ (new cell')));
});

test('diffOutcome of a changed claim verdict shows the claims before and after', t => {
	const baseline = outcomeOf(cell(k.weakLibFirst));
	const observed = outcomeOf(
		cell(k.weakLibFirst, obs => {
			const end = obs.probes.find(p => p.label === 'end');
			if (!end) throw new Error('fixture has no end probe');
			Object.assign(end, {archResolved: true, apiPaths: ['arch']});
			Object.assign(end.kernel!, {paths: ['arch-glue→neon']});
		}),
	);
	const lines = diffOutcome(baseline, observed);
	t.deepEqual(lines, [
		'- probes: "end: resolved=false module=generic kernel=generic 4/4 generic 4/4"',
		'+ probes: "end: resolved=true module=arch kernel=arch-glue→neon 4/4 generic 4/4"',
		'- claims: {"C1":"n/a","C2":"n/a","C3":"n/a","C4":"n/a","C5a":"n/a","C5b":"n/a","C7":"holds","C8":"fails"}',
		'+ claims: {"C1":"n/a","C2":"n/a","C3":"n/a","C4":"n/a","C5a":"n/a","C5b":"n/a","C7":"fails","C8":"holds"}',
	]);
});

test('diffOutcome of a key on one side only', t => {
	t.deepEqual(diffOutcome({status: 'completed', kallsymsArch: 'absent'}, {status: 'completed'}), ['- kallsymsArch: "absent"']);
	t.deepEqual(diffOutcome({status: 'completed'}, {status: 'completed', kallsymsArch: 'absent'}), ['+ kallsymsArch: "absent"']);
});

test('diffOutcome from a completed cell to an error cell', t => {
	const lines = diffOutcome(outcomeOf(cell(k.weakRmmod)), outcomeOf(errorCell()));
	t.true(lines.includes('- status: "completed"'));
	t.true(lines.includes('+ status: "error"'));
	t.true(lines.includes('+ error: "boot-timeout"'));
	t.true(lines.includes('- kallsymsArch: "absent"'));
	// A field that disappears is shown whole, not item by item.
	t.true(lines.some(l => l.startsWith('- steps: ["insmod generic [kmod]: ok",') && l.includes('"rmmod arch [kmod]: EBUSY (exit 1)"')), lines.join('\n'));
	t.false(lines.some(l => l.startsWith('+ steps')));
});

// A changed outcome must never diff to nothing, or compareWithBaseline misses the deviation. diffOutcome
// compares array values as sets, so a change in order or multiplicity of equal lines gives no lines.
test('diffOutcome is not empty when only the order of repeated steps changed', t => {
	const baseline = outcomeOf(cell(k.weakRmmod));
	const observed = structuredClone(baseline);
	const steps = observed['steps'] as string[];
	// The two `rmmod arch` steps swap results: removal succeeded while in use, then failed later.
	steps[4] = 'rmmod arch: ok';
	steps[7] = 'rmmod arch: EBUSY (exit 1)';
	t.notDeepEqual(observed, baseline);
	t.notDeepEqual(diffOutcome(baseline, observed), []);
});

test('taint flags other than O, and the kinds of console events per step, are part of the outcome', t => {
	const original = cell(k.weakArchFirst);
	const warned = cell(k.weakArchFirst, obs => {
		obs.tainted = String(4096 | 512); // O + W (a WARN fired)
		obs.steps[2]!.consoleEvents = ['warn: WARNING: CPU: 0 PID: 24 at lib/crypto/curve25519.c:17 curve25519_init+0x1/0x2', 'call-trace: Backtrace:'];
	});
	const diff = diffOutcome(outcomeOf(original), outcomeOf(warned));
	t.true(diff.includes('- tainted: "none"'), diff.join('\n'));
	t.true(diff.includes('+ tainted: "W"'), diff.join('\n'));
	t.true(diff.includes('+ steps: "insmod lib [kmod]: ok + console warn"'), diff.join('\n'));
	t.is(taintLetters('4096'), 'none');
	t.is(taintLetters('0'), 'none');
	t.is(taintLetters(String(4096 | 512 | 1)), 'PW');
	t.is(taintLetters('junk'), 'unreadable (junk)');
});

test('the outcome records the module-reported and the kernel-observed path per probe', t => {
	t.deepEqual(outcomeOf(cell(k.weakLibFirst))['probes'], ['end: resolved=false module=generic kernel=generic 4/4 generic 4/4']);
	const unobserved = cell(k.weakLibFirst, obs => {
		delete obs.probes[0]!.kernel;
	});
	t.deepEqual(outcomeOf(unobserved)['probes'], ['end: resolved=false module=generic kernel=unobserved 4/4 generic 4/4']);
});
