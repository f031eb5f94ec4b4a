// Which vectors a run uses: a small fixed subset for scenario cells, or a full set from options.
import {UsageError} from '../util/errors.ts';
import {newSeed, parseSeed, randomVectors} from './random.ts';
import {rfc7748FunctionVectors, rfc7748IteratedVectors, rfc7748MillionIterations, rfc7748Vectors} from './rfc7748.ts';
import type {IteratedVector, X25519Vector} from './vector.ts';
import {DEFAULT_WYCHEPROOF_PATH, loadWycheproof} from './wycheproof.ts';

// Seed of the subset's random vector ("kplg"), fixed so every cell checks the same bytes.
export const SUBSET_SEED = 0x6b_70_6c_67;

export interface SubsetOptions {
	wycheproofPath?: string;
	seed?: number | string;
}

// u = 0 and u = 1 are trivially low order; a genuine order-4/8 point exercises the ladder itself.
function isTrivialPoint(point: Buffer): boolean {
	const masked = Buffer.from(point);
	masked[31] = (masked[31] ?? 0) & 0x7f;
	return masked.subarray(1).every(byte => byte === 0) && (masked[0] ?? 0) <= 1;
}

// Four vectors for per-cell checks: RFC 7748 §5.2 #1 and #2, the first Wycheproof vector with an
// all-zero shared secret from a non-trivial low-order point (ok = false), and one seeded random one.
export async function smallSubset(options: SubsetOptions = {}): Promise<X25519Vector[]> {
	const wycheproof = await loadWycheproof(options.wycheproofPath ?? DEFAULT_WYCHEPROOF_PATH);
	const zero = wycheproof.find(vector => !vector.expectedOk && !isTrivialPoint(vector.point));
	if (zero === undefined) {
		throw new UsageError(`${options.wycheproofPath ?? DEFAULT_WYCHEPROOF_PATH}: no vector with a zero shared secret from a low-order point`);
	}
	return [...rfc7748FunctionVectors(), zero, ...randomVectors(1, options.seed ?? SUBSET_SEED)];
}

export interface VectorSetOptions {
	// A user's own Wycheproof-format file (--file F).
	file?: string;
	// How many seeded random vectors to add.
	random?: number;
	// Seed for the random vectors; a fresh one is drawn (and returned) when absent.
	seed?: number | string;
	includeWycheproof: boolean;
	includeRfc: boolean;
	wycheproofPath?: string;
	// Add the 1,000,000-iteration RFC 7748 test (minutes under emulation).
	millionIterations?: boolean;
}

export interface VectorSet {
	vectors: X25519Vector[];
	iterated: IteratedVector[];
	// The seed the random vectors used, to print so the run can be repeated.
	seed: number | undefined;
}

// Assemble the vectors for a full run: RFC, then Wycheproof, then the user's file, then random.
export async function loadVectorSet(options: VectorSetOptions): Promise<VectorSet> {
	const random = options.random ?? 0;
	if (!Number.isSafeInteger(random) || random < 0) {
		throw new UsageError(`random vector count ${JSON.stringify(random)}: expected a non-negative integer`);
	}
	// A seed with no random vectors would be printed as "reproduce with --seed S" for vectors that never ran.
	if (options.seed !== undefined && random === 0) throw new UsageError(`--seed ${String(options.seed)} has no effect with --random 0: leave --seed out, or ask for random vectors`);
	const seed = options.seed !== undefined ? parseSeed(options.seed) : random > 0 ? newSeed() : undefined;
	const vectors: X25519Vector[] = [];
	const iterated: IteratedVector[] = [];
	if (options.includeRfc) {
		vectors.push(...rfc7748Vectors());
		iterated.push(...rfc7748IteratedVectors());
	}
	if (options.millionIterations) {
		iterated.push(rfc7748MillionIterations());
	}
	if (options.includeWycheproof) {
		vectors.push(...(await loadWycheproof(options.wycheproofPath ?? DEFAULT_WYCHEPROOF_PATH)));
	}
	if (options.file !== undefined) {
		vectors.push(...(await loadWycheproof(options.file, 'file')));
	}
	if (random > 0 && seed !== undefined) {
		vectors.push(...randomVectors(random, seed));
	}
	if (vectors.length === 0 && iterated.length === 0) {
		throw new UsageError('no test vectors selected: enable RFC 7748 or Wycheproof vectors, give --file, or ask for random ones');
	}
	return {vectors, iterated, seed};
}
