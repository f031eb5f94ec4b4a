// How many bytes of NEON code a module file carries: the size of curve25519_neon (the NEON core, staged from the
// kernel tree's curve25519-core.S) in the module's symbol table, read with the cross toolchain's nm on the host.
import {execa} from 'execa';
import {crossCompile} from '../build/context.ts';

// The size `nm -S` gives a symbol ("00001580 00000c98 T curve25519_neon"), or undefined when it is not there.
export function symbolSize(nmOutput: string, symbol: string): number | undefined {
	for (const line of nmOutput.split('\n')) {
		const match = /^([0-9a-f]+)\s+([0-9a-f]+)\s+\S\s+(\S+)$/i.exec(line.trim());
		if (match && match[3] === symbol) return Number.parseInt(match[2]!, 16);
	}
	return undefined;
}

// Once per module file and process: every memory boot of a configuration asks about the same cached file.
const known = new Map<string, Promise<number | undefined>>();

export function neonCoreBytes(moduleFile: string): Promise<number | undefined> {
	let bytes = known.get(moduleFile);
	if (!bytes) {
		bytes = execa(`${crossCompile}nm`, ['-S', moduleFile], {reject: false}).then(r => (r.exitCode === 0 ? symbolSize(r.stdout, 'curve25519_neon') : undefined));
		known.set(moduleFile, bytes);
	}
	return bytes;
}
