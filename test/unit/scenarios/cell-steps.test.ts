// Steps for a role a design does not have on a kernel are not run: reported n/a in place, so the cell's timeline
// (steps and probes in scenario order) stays aligned.
import test from 'ava';
import {skippedStep, stepCommand, stepRole} from '../../../harness/scenarios/cell.ts';
import {scenarios} from '../../../harness/scenarios/registry.ts';
import type {Step} from '../../../harness/scenarios/types.ts';

type ActionStep = Exclude<Step, {kind: 'probe'}>;

test('stepRole: the module a step loads or removes; under load, the arch module; an alias names no role', t => {
	t.is(stepRole({kind: 'insmod', module: 'generic'}), 'generic');
	t.is(stepRole({kind: 'delete_module', module: 'arch'}), 'arch');
	t.is(stepRole({kind: 'finit_module', module: 'arch'}), 'arch');
	t.is(stepRole({kind: 'unplug-under-load', iterations: 1, seconds: 1}), 'arch');
	t.is(stepRole({kind: 'modprobe-alias', alias: 'crypto-curve25519'}), undefined);
});

test('skippedStep: the label and tool the step would have had, exit 0, no argv, the reason; nothing looks like an answer', t => {
	const files = {lib: '/k/lib.ko', generic: '/k/generic.ko', arch: '/k/curve25519-neon.ko', driver: '/k/drv.ko'};
	for (const sc of scenarios) {
		for (const step of sc.steps.filter((s): s is ActionStep => s.kind !== 'probe')) {
			const skipped = skippedStep(step, 'why');
			const real = stepCommand(step, '/lib/modules/x/kernel/kplug', files);
			t.is(skipped.label, real.label, `${sc.id}: ${real.label}`);
			t.is(skipped.tool, real.tool, `${sc.id}: ${real.label}`);
			t.deepEqual([skipped.argv, skipped.exitCode, skipped.errno, skipped.skipped, skipped.modulesAfter], [[], 0, undefined, 'why', undefined]);
		}
	}
});
