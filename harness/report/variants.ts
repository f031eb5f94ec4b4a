// Design variants: the columns of the verdict table and the groups of the findings. A design is one variant across
// kernels unless its arch code is shaped differently on one of them: mainline on 7.x (the consolidated library, no
// arch module) is its own variant, mainline@7.3, next to mainline (6.1, 6.12: a separate curve25519-neon.ko).
import {defaultKernel, kernels} from '../build/kernels.ts';
import {parseProfileName} from '../scenarios/config-key.ts';
import {archHome, designs} from '../subject/designs.ts';

export function designVariant(id: {design: string; kernel?: string}): string {
	const d = designs.find(x => x.name === id.design);
	const k = kernels.find(x => x.id === (id.kernel ?? defaultKernel));
	return d && k && archHome(d, k).consolidated ? `${id.design}@${k.id}` : id.design;
}

// The variant of a cell key (design/profile[@kernel][+userland]/cpu/scenario, or a configuration key).
export function variantOfKey(key: string): string {
	const [design = '', profile = ''] = key.split('/');
	const {kernel} = parseProfileName(profile);
	return designVariant({design, ...(kernel ? {kernel} : {})});
}

// The variants present, in the designs' order, each design's plain variant before its kernel-specific ones.
export function designVariants(designOrder: readonly string[], ids: readonly {design: string; kernel?: string}[]): string[] {
	const present = new Set(ids.map(designVariant));
	return designOrder.flatMap(design => [...present].filter(v => v === design || v.startsWith(`${design}@`)).sort((a, b) => (a === design ? -1 : b === design ? 1 : a.localeCompare(b))));
}
