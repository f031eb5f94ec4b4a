// Fault-injection modules (modules/faults/): built like a design's module set, but in no design and no image;
// the integration tests copy them into a running guest.
import type {BuildContext} from './context.ts';
import type {KernelBuild} from './kernel.ts';
import {ensureModuleSet, type ModuleSet, type ModuleSetBuild} from './module-sets.ts';
import type {KernelSource} from './source.ts';

export const faultModuleSet: ModuleSet = {name: 'faults', dirs: ['modules/faults'], fromKernel: []};

// Build (or find cached) the fault modules against a profile's kernel.
export function ensureFaultModules(ctx: BuildContext, source: KernelSource, kernel: KernelBuild): Promise<ModuleSetBuild> {
	return ensureModuleSet(ctx, source, kernel, faultModuleSet);
}
