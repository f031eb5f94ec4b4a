// The matrix: design × kernel × userland × profile × CPU × scenario, with filters and deterministic sharding.
import {checkKernelProfile, defaultKernel, kernelDef} from '../build/kernels.ts';
import {profileNames} from '../build/profiles.ts';
import {designs, design as lookupDesign, type DesignName} from '../subject/designs.ts';
import {UsageError} from '../util/errors.ts';
import {cpuModel, cpuModels} from '../vm/cpu-models.ts';
import {scenario as lookupScenario, scenarios} from './registry.ts';
import type {CellId} from './types.ts';
import {cellKey} from './cell.ts';
import {kernelField, userlandField} from './config-key.ts';
import {defaultUserland, userlandDef} from '../setup/userlands.ts';

export interface MatrixFilter {
	// Default: the default kernel only (the baseline's matrix).
	kernels?: string[];
	designs?: string[];
	profiles?: string[];
	cpus?: string[];
	scenarios?: string[];
	// Default: each kernel's default userlands (kernels.ts userlands; the default userland when it names none).
	userlands?: string[];
}

export interface Shard {
	index: number;
	count: number;
}

// Parse --shard i/n (1-based).
export function parseShard(text: string): Shard {
	const match = /^(\d+)\/(\d+)$/.exec(text.trim());
	const index = Number(match?.[1]);
	const count = Number(match?.[2]);
	if (!match || count < 1 || index < 1 || index > count) throw new UsageError(`--shard must be i/n with 1 ≤ i ≤ n (e.g. 1/4), got "${text}"`);
	return {index, count};
}

// All cells matching the filters (every name validated), in report order. Without --profile, a kernel other than the
// default brings the profiles it builds; a named profile a kernel does not build is a UsageError.
export async function expandMatrix(filter: MatrixFilter): Promise<CellId[]> {
	const allProfiles = await profileNames();
	for (const p of filter.profiles ?? []) if (!allProfiles.includes(p)) throw new UsageError(`unknown profile "${p}" (profiles: ${allProfiles.join(', ')})`);
	const uniq = (names: readonly string[]): string[] => [...new Set(names)];
	const ds = uniq((filter.designs ?? designs.map(d => d.name)).map(d => lookupDesign(d).name));
	const cs = uniq((filter.cpus ?? cpuModels.map(c => c.name)).map(c => cpuModel(c).name));
	const ss = uniq((filter.scenarios ?? scenarios.map(s => s.id)).map(s => lookupScenario(s).id));
	const ks = uniq((filter.kernels ?? [defaultKernel]).map(k => kernelDef(k).id)).map(kernelDef);
	const us = filter.userlands ? uniq(filter.userlands.map(u => userlandDef(u).id)) : undefined;
	const kps = ks.map(kernel => ({kernel, profiles: uniq(filter.profiles ?? kernel.profiles ?? allProfiles), userlands: us ?? kernel.userlands ?? [defaultUserland]}));
	for (const {kernel, profiles} of kps) for (const p of profiles) checkKernelProfile(kernel, p);
	const cells: CellId[] = [];
	for (const scenario of ss) {
		for (const design of ds) {
			for (const {kernel, profiles, userlands} of kps) {
				for (const userland of userlands) {
					for (const profile of profiles) for (const cpu of cs) cells.push({design: design as DesignName, profile, cpu, scenario, ...kernelField(kernel.id), ...userlandField(userland)});
				}
			}
		}
	}
	return cells;
}

// The cells of one shard: a stable split by position in the sorted key order.
export function shardCells(cells: readonly CellId[], shard: Shard | undefined): CellId[] {
	if (!shard) return [...cells];
	const sorted = [...cells].sort((a, b) => (cellKey(a) < cellKey(b) ? -1 : 1));
	const mine = new Set(sorted.filter((_, i) => i % shard.count === shard.index - 1).map(cellKey));
	return cells.filter(c => mine.has(cellKey(c)));
}
