// Real observations of the recorded full-matrix run (test/fixtures/scenarios/cells.json: the run behind
// test/baselines/matrix.json and the README's findings) and helpers to vary them.
import {readFileSync} from 'node:fs';
import {cellResult} from '../../../harness/scenarios/claims.ts';
import type {CellObservation, CellResult, PathProbe} from '../../../harness/scenarios/types.ts';

const text = readFileSync(new URL('../../fixtures/scenarios/cells.json', import.meta.url), 'utf8');

export const fixtureKeys = {
	weakNoArch: 'weak/thumb2/neon/no-arch',
	mainlineNoArch: 'mainline/thumb2/neon/no-arch',
	weakBlacklist: 'weak/thumb2/neon/blacklist-modprobe-d',
	weakAliasBlacklist: 'weak/thumb2/neon/alias-blacklist',
	weakRmmod: 'weak/thumb2/neon/rmmod',
	weakArchFirst: 'weak/thumb2/neon/arch-first',
	weakLibFirst: 'weak/thumb2/neon/lib-first',
	weakNoneonArchFirst: 'weak/thumb2/noneon/arch-first',
	weakNoneonLibFirst: 'weak/thumb2/noneon/lib-first',
	weakRuntimeUnplug: 'weak/thumb2/neon/runtime-unplug',
	weakNoneonRuntimeUnplug: 'weak/thumb2/noneon/runtime-unplug',
	mainlineRuntimeUnplug: 'mainline/thumb2/neon/runtime-unplug',
	mainlineNoneonArchFirst: 'mainline/thumb2/noneon/arch-first',
	softdepRuntimeUnplug: 'softdep/thumb2/neon/runtime-unplug',
	softdepRmmod: 'softdep/thumb2/neon/rmmod',
	softdepArchFirst: 'softdep/thumb2/neon/arch-first',
	softdepLibFirst: 'softdep/thumb2/neon/lib-first',
	softdepNoneonModprobe: 'softdep/thumb2/noneon/modprobe',
	staticCallArchFirst: 'static-call/thumb2/neon/arch-first',
	staticCallLibFirst: 'static-call/thumb2/neon/lib-first',
	weakUnderLoad: 'weak/thumb2/neon/unplug-under-load',
	softdepUnderLoad: 'softdep/thumb2/neon/unplug-under-load',
	staticCallUnderLoad: 'static-call/thumb2/neon/unplug-under-load',
} as const;

// Six cells of the recorded run, in a fixed order: a small set for tests that only need some real cells.
export const sixKeys = [
	'mainline/thumb2/noneon/arch-first', 'weak/thumb2/neon/lib-first', 'mainline/thumb2/neon/no-arch',
	'weak/thumb2/neon/no-arch', 'weak/thumb2/neon/rmmod', 'weak/thumb2/neon/blacklist-modprobe-d',
] as const;

export function sixCells(): CellObservation[] {
	const all = fixtureCells();
	return sixKeys.map(key => all.find(c => c.cellKey === key)!);
}

// Every fixture cell, freshly parsed (callers may mutate them).
export function fixtureCells(): CellObservation[] {
	return JSON.parse(text) as CellObservation[];
}

// One fixture cell by key, fresh, optionally changed by `edit`.
export function cell(key: string, edit?: (obs: CellObservation) => void): CellObservation {
	const found = fixtureCells().find(c => c.cellKey === key);
	if (!found) throw new Error(`no fixture cell ${key}`);
	edit?.(found);
	return found;
}

// The end probe of an observation (throws if there is none, so edits cannot silently miss).
export function endProbe(obs: CellObservation): PathProbe {
	const end = obs.probes.find(p => p.label === 'end');
	if (!end) throw new Error(`${obs.cellKey}: no end probe`);
	return end;
}

// Move a cell to another scenario/cpu/design, keeping id and cellKey consistent.
export function relabel(obs: CellObservation, id: Partial<CellObservation['id']>): void {
	obs.id = {...obs.id, ...id};
	obs.cellKey = `${obs.id.design}/${obs.id.profile}/${obs.id.cpu}/${obs.id.scenario}`;
}

// A cell that could not complete (the runner's 'error' observation).
export function errorCell(key: string = fixtureKeys.weakRmmod): CellObservation {
	return cell(key, obs => {
		obs.status = 'error';
		obs.error = {class: 'boot-timeout', message: 'no ready line from the guest agent within 120000 ms'};
	});
}

// The CellResult the runner would build from an observation.
export function toResult(obs: CellObservation): CellResult {
	return cellResult(obs);
}
