// Kernel-side path evidence: kprobe events on the NEON core, the generic C code and the arch glue's
// entry points, counted by the kernel's tracing (kprobe_profile), independent of the modules under test.
import {KplugError} from '../util/errors.ts';
import type {ArchHome, DesignName} from '../subject/designs.ts';
import type {KernelPathEvidence} from './types.ts';

export const tracingDir = '/sys/kernel/tracing';

// The probes, as `MOD:SYM` so they are (re-)registered whenever the module loads; both designs use
// the in-tree module names (curve25519_neon, libcurve25519_generic). A kprobe must be able to
// single-step the function's first instruction: the NEON core and curve25519_generic start with a
// 32-bit stmdb, the in-tree glue's curve25519_arch with movw (its curve25519_base_arch tail-calls it,
// so one probe counts both). The out-of-tree glue's hooks (weak, softdep, static-call) are not probed:
// curve25519_arch starts with an mrc (kprobes refuse it, -EINVAL) and a probe on the 16-bit push of
// curve25519_base_arch oopsed 6.1 in t16_emulate_push. There the NEON core itself is the evidence
// (only the glue calls it).
// A consolidated library (mainline on 7.x: lib/crypto/arm/curve25519.h linked into libcurve25519.ko) carries all three
// itself: the same symbols are probed in libcurve25519. There curve25519_arch is a static function (kallsyms 't') that
// curve25519() and curve25519_generate_public() both call; it starts with movw, and the NEON core and
// curve25519_generic with a 32-bit stmdb, as on 6.1 (checked with objdump on the 7.3 build).
export const kprobeDefinitions = [
	{event: 'neon', module: 'curve25519_neon', symbol: 'curve25519_neon', designs: 'all'},
	{event: 'arch', module: 'curve25519_neon', symbol: 'curve25519_arch', designs: ['mainline']},
	{event: 'generic', module: 'libcurve25519_generic', symbol: 'curve25519_generic', designs: 'all'},
] as const;

export type ProbeEvent = (typeof kprobeDefinitions)[number]['event'];

export interface KprobeDefinition {
	event: ProbeEvent;
	module: string;
	symbol: string;
}

// The probes used for a design, in the module that carries each symbol on the cell's kernel.
export function probesFor(design: DesignName, home: ArchHome = {module: 'curve25519_neon', consolidated: false}): KprobeDefinition[] {
	return kprobeDefinitions
		.filter(p => p.designs === 'all' || (p.designs as readonly string[]).includes(design))
		.map(p => ({event: p.event, module: home.consolidated ? home.module : p.module, symbol: p.symbol}));
}

// The guest shell script that defines and enables the probes (run once per cell, before any step).
// A small ring buffer: only the hit counts matter, not the recorded events.
export function tracingSetupScript(design: DesignName, home?: ArchHome): string {
	return [
		`cd ${tracingDir} || exit 1`,
		'echo 8 > buffer_size_kb || exit 1',
		...probesFor(design, home).map(p => `echo 'p:kplug/${p.event} ${p.module}:${p.symbol}' >> kprobe_events || exit 1`),
		'echo 1 > events/kplug/enable || exit 1',
		'cat kprobe_events',
	].join('\n');
}

// Hit counts per kplug event from kprobe_profile ("  <event> <nhit> <nmissed>"); events missing from
// the profile count 0 (a pending probe on an unloaded module is listed with 0 hits).
export function parseKprobeProfile(text: string): {counts: Record<ProbeEvent, number>; lines: string[]} {
	const counts = Object.fromEntries(kprobeDefinitions.map(p => [p.event, 0])) as Record<ProbeEvent, number>;
	const lines: string[] = [];
	for (const line of text.split('\n')) {
		const match = /^\s*(\S+)\s+(\d+)\s+(\d+)\s*$/.exec(line);
		if (!match) continue;
		const event = kprobeDefinitions.find(p => p.event === match[1])?.event;
		if (!event) continue;
		counts[event] = Number(match[2]);
		lines.push(line.trim().replace(/\s+/g, ' '));
	}
	return {counts, lines};
}

// Counts during a batch (after − before) and the paths they show.
export function kernelEvidence(before: Record<ProbeEvent, number>, after: Record<ProbeEvent, number>, raw: string[]): KernelPathEvidence {
	const delta = (e: ProbeEvent): number => Math.max(0, after[e] - before[e]);
	const counts = {neon: delta('neon'), generic: delta('generic'), arch: delta('arch')};
	const glue = counts.arch > 0;
	const paths: string[] = [];
	if (counts.neon > 0) paths.push('arch-glue→neon');
	if (counts.generic > 0) paths.push(glue && counts.neon === 0 ? 'arch-glue→generic' : 'generic');
	if (glue && counts.neon === 0 && counts.generic === 0) paths.push('arch-glue→none');
	return {counts, paths: paths.sort(), raw};
}

// A contradiction between the module-reported and the kernel-observed path is a bug in the rig (or in
// a probe), never a finding: the same calls cannot have gone two ways.
export class PathContradiction extends KplugError {
	override name = 'PathContradiction';
}

// Check the two independent readings agree. Mainline's module-side 'arch-entry' (from a Kconfig
// constant) is refined by the kernel's 'arch-glue→neon' or 'arch-glue→generic', never contradicted.
export function reconcilePaths(design: DesignName, moduleSaid: readonly string[], kernel: KernelPathEvidence, label: string): void {
	const said = new Set(moduleSaid.filter(p => p !== 'none'));
	const saw = new Set(kernel.paths);
	const glue = [...saw].some(p => p.startsWith('arch-glue'));
	const problems: string[] = [];
	if (said.has('arch') && !saw.has('arch-glue→neon')) problems.push('the module says arch, the kernel saw no entry into the NEON core');
	if (said.has('arch-entry') && !glue) problems.push('the module says arch-entry, the kernel saw no entry into the arch glue');
	if (said.has('generic') && !saw.has('generic') && !saw.has('arch-glue→generic')) problems.push('the module says generic, the kernel saw no entry into curve25519_generic');
	if (saw.has('arch-glue→neon') && !said.has('arch') && !said.has('arch-entry')) problems.push('the kernel saw the NEON core entered, the module reports no arch path');
	if (design !== 'mainline' && saw.has('generic') && !said.has('generic')) problems.push('the kernel saw curve25519_generic entered directly, the module reports no generic path');
	if (problems.length > 0) {
		throw new PathContradiction(`probe ${label}: module-reported path ${[...said].join('+') || 'none'} vs kernel-observed ${kernel.paths.join('+') || 'none'} (${kernel.raw.join('; ')}): ${problems.join('; ')}`);
	}
}
