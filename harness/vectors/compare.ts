// Judge the driver's answers against vectors, and turn its timing into throughput.
import {KplugError} from '../util/errors.ts';
import type {X25519Vector} from './vector.ts';

// One item of a driver response (DRIVER-PROTOCOL.md): out[32], the API's boolean, the path name.
export interface DriverResult {
	out: Buffer;
	ok: boolean;
	path: string;
}

export interface VectorFailure {
	id: string;
	// Hex, so the failure serializes readably into JSON reports.
	expected: string;
	got: string;
	expectedOk: boolean;
	gotOk: boolean;
	// The path the driver says served this item.
	gotPath: string;
	// Offsets where `got` differs from `expected` (empty when only the boolean is wrong).
	differingBytes: number[];
}

export interface Comparison {
	path: string;
	total: number;
	passed: number;
	failed: VectorFailure[];
	// How many items each observed path served, e.g. {arch: 510, generic: 8}.
	pathCounts: Record<string, number>;
}

function differingBytes(expected: Buffer, got: Buffer): number[] {
	const offsets: number[] = [];
	for (let i = 0; i < Math.max(expected.length, got.length); i++) {
		if (expected[i] !== got[i]) offsets.push(i);
	}
	return offsets;
}

// Pair results with vectors by index; an item passes only when both the bytes and the boolean match.
export function compareResults(vectors: readonly X25519Vector[], results: readonly DriverResult[], pathLabel: string): Comparison {
	if (results.length !== vectors.length) {
		throw new KplugError(`${pathLabel}: driver returned ${results.length} results for ${vectors.length} vectors`);
	}
	const failed: VectorFailure[] = [];
	const pathCounts: Record<string, number> = {};
	vectors.forEach((vector, i) => {
		const result = results[i] as DriverResult;
		pathCounts[result.path] = (pathCounts[result.path] ?? 0) + 1;
		const differing = differingBytes(vector.expected, result.out);
		if (differing.length > 0 || result.ok !== vector.expectedOk) {
			failed.push({
				id: vector.id,
				expected: vector.expected.toString('hex'),
				got: result.out.toString('hex'),
				expectedOk: vector.expectedOk,
				gotOk: result.ok,
				gotPath: result.path,
				differingBytes: differing,
			});
		}
	});
	return {path: pathLabel, total: vectors.length, passed: vectors.length - failed.length, failed, pathCounts};
}

// Operations per second from the driver's in-kernel elapsed time (u64 ns, so bigint is accepted).
// Zero operations is 0 ops/s; a non-zero count in zero time is Infinity (below ktime resolution).
export function summarizeThroughput(count: number, elapsedNs: number | bigint): number {
	const ns = Number(elapsedNs);
	if (!Number.isFinite(count) || count < 0 || !Number.isFinite(ns) || ns < 0) {
		throw new RangeError(`throughput of ${count} operations in ${String(elapsedNs)} ns`);
	}
	if (count === 0) return 0;
	return ns === 0 ? Number.POSITIVE_INFINITY : (count * 1e9) / ns;
}
