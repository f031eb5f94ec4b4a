import test from 'ava';
import {designVariant, designVariants, variantOfKey} from '../../../harness/report/variants.ts';

test('designVariant: mainline on 7.3 (the consolidated library) is its own variant; everything else keeps the design\'s name', t => {
	t.is(designVariant({design: 'mainline', kernel: '7.3'}), 'mainline@7.3');
	t.is(designVariant({design: 'mainline'}), 'mainline');
	t.is(designVariant({design: 'mainline', kernel: '6.12'}), 'mainline');
	t.is(designVariant({design: 'weak', kernel: '7.3'}), 'weak');
	t.is(variantOfKey('mainline/thumb2@7.3/neon/arch-first'), 'mainline@7.3');
	t.is(variantOfKey('mainline/thumb2@6.12/noneon'), 'mainline');
	t.is(variantOfKey('static-call/arm/neon/rmmod'), 'static-call');
	// The userland is not part of the variant: the design's arch code is shaped by the kernel alone.
	t.is(variantOfKey('mainline/thumb2@7.3+trixie/neon/arch-first'), 'mainline@7.3');
	t.is(variantOfKey('weak/thumb2@6.12+trixie/neon'), 'weak');
});

test('designVariants: in the designs\' order, a design\'s plain variant first, only the variants present', t => {
	const ids = [{design: 'weak', kernel: '7.3'}, {design: 'mainline', kernel: '7.3'}, {design: 'mainline'}, {design: 'softdep'}];
	t.deepEqual(designVariants(['mainline', 'weak', 'softdep', 'static-call'], ids), ['mainline', 'mainline@7.3', 'weak', 'softdep']);
	t.deepEqual(designVariants(['mainline', 'weak'], [{design: 'mainline', kernel: '7.3'}]), ['mainline@7.3']);
});
