// Statistics for the within-boot method: deltas of insert rounds against the noise of control rounds.
import {formatNumber, median, plural, spread} from './stats.ts';

// One counter at the three moments of a round, in kB.
export interface Moments {
	before: number;
	afterInsert: number;
	afterRemove: number;
}

export interface Deltas {
	n: number;
	median: number;
	min: number;
	max: number;
	// max − min
	range: number;
}

export interface WithinBootFigure {
	field: string;
	// afterInsert − before in each insert round: what inserting the arch module changed.
	insert: Deltas;
	// afterRemove − afterInsert: what removing it gave back.
	remove: Deltas;
	// afterRemove − before: what an insert/remove cycle left behind.
	residual: Deltas;
	// Both step deltas of every control round (nothing inserted): the noise, measured in the same boot.
	control: Deltas;
	// The spread (max − min) of the control deltas; null with fewer than 2 of them (no spread seen).
	noiseFloor: number | null;
	// median insert delta − median control delta: the change the insert made beyond what a round does anyway.
	effect: number;
	// The noise floor is below `resolution`: a change of that size stands out of this counter's noise.
	canSee: boolean;
	// |effect| is strictly above the noise floor.
	aboveNoise: boolean;
	resolution: number;
	statement: string;
}

export interface FigureOptions {
	// The counter's name as it should read in the statement.
	field: string;
	// The smallest change the method should be able to see, in kB (default 12: 3 pages of 4 KiB).
	resolution?: number;
}

function deltas(values: readonly number[]): Deltas {
	if (values.length === 0) return {n: 0, median: 0, min: 0, max: 0, range: 0};
	const s = spread(values);
	return {n: values.length, median: median(values), min: s.min, max: s.max, range: s.range};
}

// Medians, spreads, the control rounds' noise floor, and whether the counter can see `resolution` kB.
export function withinBootFigure(insert: readonly Moments[], control: readonly Moments[], options: FigureOptions): WithinBootFigure {
	const resolution = options.resolution ?? 12;
	const controlDeltas = control.flatMap(m => [m.afterInsert - m.before, m.afterRemove - m.afterInsert]);
	const figure = {
		field: options.field,
		insert: deltas(insert.map(m => m.afterInsert - m.before)),
		remove: deltas(insert.map(m => m.afterRemove - m.afterInsert)),
		residual: deltas(insert.map(m => m.afterRemove - m.before)),
		control: deltas(controlDeltas),
		noiseFloor: controlDeltas.length < 2 ? null : spread(controlDeltas).range,
		resolution,
	};
	const effect = figure.insert.n > 0 && figure.control.n > 0 ? figure.insert.median - figure.control.median : 0;
	const canSee = figure.noiseFloor !== null && figure.noiseFloor < resolution;
	const aboveNoise = figure.noiseFloor !== null && figure.insert.n > 0 && Math.abs(effect) > figure.noiseFloor;
	const result = {...figure, effect, canSee, aboveNoise};
	return {...result, statement: describe(result)};
}

function describe(f: Omit<WithinBootFigure, 'statement'>): string {
	const see = `${kb(f.resolution)}${f.resolution % 4 === 0 ? ` (${plural(f.resolution / 4, 'page')})` : ''}`;
	if (f.insert.n === 0) return `${f.field}: no insert round was measured.`;
	const rounds = `median of ${plural(f.insert.n, 'round')}, ${f.insert.range === 0 ? 'every round the same' : `range ${signed(f.insert.min)} to ${signed(f.insert.max)} kB`}`;
	const insert = f.insert.median === 0 ? `inserting the arch module did not move it (${rounds})` : `inserting the arch module moved it by ${signed(f.insert.median)} kB${pages(f.insert.median)} (${rounds})`;
	const back = f.insert.median === 0 ? '' : f.residual.median === 0 ? ', and removing it gave that back' : `; after removing it, ${signed(f.residual.median)} kB remained`;
	if (f.noiseFloor === null) return `${f.field}: ${insert}${back}; with fewer than 2 control deltas the noise floor is unknown, so this method says nothing about ${see}.`;
	const noise = `control rounds moved it by ${signed(f.control.min)} to ${signed(f.control.max)} kB (noise floor ${kb(f.noiseFloor)})`;
	const change = `the ${signed(f.effect)} kB change (beyond the control median)`;
	if (!f.canSee) {
		return `${f.field}: ${insert}${back}; ${noise}. The noise floor is not below ${see}: in ${f.field} this method cannot see ${see}; ${change} is ${f.aboveNoise ? 'above the noise all the same' : 'within the noise'}.`;
	}
	const verdict = f.aboveNoise ? `${change} is above the noise floor` : f.effect === 0 ? 'it saw no change' : `${change} is within the noise floor`;
	return `${f.field}: ${insert}${back}; ${noise}. In ${f.field} this method can see ${see}, and ${verdict}.`;
}

function kb(value: number): string {
	return `${formatNumber(value)} kB`;
}

function signed(value: number): string {
	return value > 0 ? `+${formatNumber(value)}` : formatNumber(value);
}

function pages(value: number): string {
	const n = Math.abs(value) / 4;
	return Number.isInteger(n) && n > 0 ? ` (${plural(n, 'page')})` : '';
}
