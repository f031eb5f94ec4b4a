// A vector cell (design × profile × CPU): load every module, send whole batches through each path.
import {join} from 'node:path';
import {ModuleSetBuildError} from '../build/build.ts';
import {defaultKernel, kernelDef} from '../build/kernels.ts';
import {runKunitSuite} from './kunit.ts';
import type {BuildContext} from '../build/context.ts';
import {configKey} from '../scenarios/config-key.ts';
import type {VectorCellReport, VectorPathReport} from './types.ts';
import {design as lookupDesign, type DesignName} from '../subject/designs.ts';
import {decodeDriverResponse, encodeDriverRequest, type DriverMode} from '../subject/driver-protocol.ts';
import {bootGuest, loadDesignModules} from '../subject/guest.ts';
import {interruption, KplugError} from '../util/errors.ts';
import type {VmHandle} from '../vm/vm.ts';
import {compareResults, summarizeThroughput} from './compare.ts';
import type {IteratedVector, X25519Vector} from './vector.ts';


export interface VectorCellId {
	design: DesignName;
	profile: string;
	cpu: string;
	// Absent for the default kernel.
	kernel?: string;
}

// Vectors per driver request: keeps each request well under the agent's frame limit.
const batchSize = 4096;
const driverDevice = '/dev/kplug_x25519';

async function driverBatch(vm: VmHandle, mode: DriverMode, vectors: readonly X25519Vector[]) {
	const items = [];
	let elapsedNs = 0n;
	for (let i = 0; i < vectors.length; i += batchSize) {
		const chunk = vectors.slice(i, i + batchSize);
		const answer = await vm.devio(driverDevice, encodeDriverRequest({op: 'x25519', mode, items: chunk.map(v => ({scalar: v.scalar, point: v.point}))}), {step: `vectors ${mode} ${i}+${chunk.length}`, timeoutMs: 600_000});
		if (answer.errno !== 0) throw new KplugError(`driver request (${mode}) failed with errno ${answer.errno}`);
		const response = decodeDriverResponse(answer.response);
		items.push(...response.items);
		elapsedNs += response.elapsedNs;
	}
	return {items, elapsedNs};
}

async function pathReport(vm: VmHandle, mode: DriverMode, vectors: readonly X25519Vector[]): Promise<VectorPathReport> {
	const {items, elapsedNs} = await driverBatch(vm, mode, vectors);
	const comparison = compareResults(vectors, items.map(i => ({out: i.out, ok: i.ok, path: i.path})), mode);
	return {
		path: mode,
		servedBy: [...new Set(items.map(i => i.path))].sort(),
		total: comparison.total,
		passed: comparison.passed,
		failed: comparison.failed.map(f => ({id: f.id, expectedHex: f.expected, gotHex: f.got, expectedOk: f.expectedOk, gotOk: f.gotOk, differingBytes: f.differingBytes})),
		opsPerSecond: Math.round(summarizeThroughput(vectors.length, elapsedNs)),
		guestSeconds: Number(elapsedNs) / 1e9,
	};
}

async function iterate(vm: VmHandle, mode: DriverMode, vector: IteratedVector): Promise<{passed: boolean; path: string}> {
	const answer = await vm.devio(driverDevice, encodeDriverRequest({op: 'iterate', mode, items: [{scalar: vector.k, point: vector.u}], iterations: vector.iterations}), {step: `iterate ${vector.id} ${mode}`, timeoutMs: 3_600_000});
	if (answer.errno !== 0) return {passed: false, path: `errno ${answer.errno}`};
	const item = decodeDriverResponse(answer.response).items[0];
	return {passed: Boolean(item && item.out.equals(vector.expected)), path: item?.path ?? 'none'};
}

// Run all vectors through every path available in one fresh VM of the cell.
export async function runVectorCell(ctx: BuildContext, id: VectorCellId, vectors: readonly X25519Vector[], iterated: readonly IteratedVector[], seed: number | undefined, runDir: string): Promise<VectorCellReport> {
	const d = lookupDesign(id.design);
	const sources: Record<string, number> = {};
	for (const v of vectors) sources[v.source] = (sources[v.source] ?? 0) + 1;
	const report: VectorCellReport = {...id, seed: seed ?? 0, sources, paths: [], archToGenericSpeedRatio: undefined, iterated: []};
	let vm: VmHandle | undefined;
	try {
		const logDir = join(runDir, 'vectors', configKey(id).replace(/\//g, '__'));
		const booted = await bootGuest(ctx, {...id, withArch: true}, logDir);
		vm = booted.vm;
		// Arch first so the library can bind it; the arch module may refuse (no NEON): that is recorded, not fatal.
		const loads = await loadDesignModules(vm, booted.build, d, d.loadOrder, {stopAfterFailureOf: role => role !== 'arch'});
		const refused = loads.find(l => l.exitCode !== 0 && l.role !== 'arch');
		if (refused) {
			// The design's own behaviour (e.g. no PLTs for an unresolved weak call): record, do not fail.
			report.unavailable = `insmod ${refused.role}: ${refused.message.replace(/^insmod: ERROR: /, '')}`;
			return report;
		}
		for (const mode of ['api', 'generic'] as const) report.paths.push(await pathReport(vm, mode, vectors));
		const [api, generic] = report.paths;
		if (api && generic && generic.opsPerSecond > 0) report.archToGenericSpeedRatio = Math.round((api.opsPerSecond / generic.opsPerSecond) * 100) / 100;
		for (const vector of iterated) {
			for (const mode of ['api', 'generic'] as const) report.iterated.push({id: `${vector.id} (${mode})`, iterations: vector.iterations, ...(await iterate(vm, mode, vector))});
		}
		// The kernel's own KUnit suite, against the library this design loaded (7.x; 6.x has none).
		const kunit = kernelDef(id.kernel ?? defaultKernel).kunit;
		if (kunit) report.kunit = await runKunitSuite(vm, booted.build, kunit, logDir);
	} catch (error) {
		// Stopped by the command's interrupt: the cell is not run, not an error (the job lists it).
		if (ctx.signal?.aborted) throw interruption(ctx.signal, `vectors ${configKey(id)}`);
		if (!(error instanceof KplugError)) throw error;
		// A design whose modules do not build on this kernel: the library is unavailable there (listed with the
		// compiler's line, like a library that does not load), not a failed vector.
		if (error instanceof ModuleSetBuildError) report.unavailable = error.message.split('\n')[0];
		else report.error = error.message.split('\n')[0];
	} finally {
		await vm?.close();
	}
	return report;
}
