import test from 'ava';
import {symbolSize} from '../../../harness/memory/neon-bytes.ts';

// nm -S of 7.3's libcurve25519.ko (thumb2), abridged: value, size, type, name; undefined symbols have no size.
const nm = [
	'00000048 00000020 T curve25519',
	'00000000 00000048 t curve25519_arch',
	'00000db0 000007d0 T curve25519_generic',
	'00001580 00001ef6 T curve25519_neon',
	'         U __crypto_memneq',
].join('\n');

test('symbolSize reads a symbol\'s size from nm -S, and nothing for a symbol that is not there or has no size', t => {
	t.is(symbolSize(nm, 'curve25519_neon'), 0x1ef6);
	t.is(symbolSize(nm, 'curve25519_arch'), 0x48);
	t.is(symbolSize(nm, 'curve25519_neo'), undefined);
	t.is(symbolSize(nm, '__crypto_memneq'), undefined);
	t.is(symbolSize('', 'curve25519_neon'), undefined);
});
