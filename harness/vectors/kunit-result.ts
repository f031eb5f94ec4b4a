// Reading what the kernel's KUnit suite printed (pure: the guest side is kunit.ts).
import type {KunitCounts} from '../util/kunit-parse.ts';
import type {KunitReport} from './types.ts';

// The KTAP a module printed: from the last top-level "KTAP version" line of the log (a suite's own is indented) to the
// end, timestamps removed.
export function ktapFromLog(dmesg: string): string[] {
	const lines = dmesg.split('\n').map(l => l.replace(/^\[\s*[\d.]+\]\s?/, ''));
	const starts = lines.flatMap((l, i) => (l.startsWith('KTAP version ') ? [i] : []));
	const start = starts.at(-1) ?? -1;
	if (start < 0) return [];
	return lines.slice(start).filter(l => l.trim() !== '');
}

// What the report keeps of kunit.py's counts (its full output goes to the cell's log folder).
export function kunitSummary(counts: Omit<KunitCounts, 'output'>): string {
	const parts = [`${counts.passed}/${counts.total} passed`, ...(['failed', 'skipped', 'crashed', 'errors'] as const).filter(k => counts[k] > 0).map(k => `${counts[k]} ${k}`)];
	return parts.join(', ');
}

// Whether the suite ran and nothing in it failed: loaded, KTAP printed and parsed, at least one test, none failed,
// crashed or in error (skipped tests are fine: the benchmark case skips unless CRYPTO_LIB_BENCHMARK).
export function kunitPassed(k: KunitReport): boolean {
	const c = k.counts;
	return !k.loadError && !k.parseError && c !== undefined && c.total > 0 && c.failed + c.crashed + c.errors === 0 && c.exitCode === 0;
}

// One line for a cell's suite: "KUnit curve25519: 2/3 passed, 1 skipped (kunit.py)", or what kept it from running.
export function kunitLine(k: KunitReport): string {
	const what = k.counts ? `${kunitSummary(k.counts)} (kunit.py parse)` : k.parseError ? `KTAP not parsed: ${k.parseError}` : 'no KTAP printed';
	return `KUnit ${k.suite}: ${what}${k.loadError ? `; ${k.loadError}` : ''}`;
}

