// The kernel's own KTAP parser (tools/testing/kunit/kunit.py parse) from the extracted kernel source,
// so report.ktap is checked by what kernel developers run, not by a reimplementation.
import {access, readdir} from 'node:fs/promises';
import {join} from 'node:path';
import {run} from './exec.ts';

export const kunitScript = 'tools/testing/kunit/kunit.py';

// The extracted kernel trees under <cache>/src that carry kunit.py (newest name last), as ensureKernelSource leaves them.
export async function kernelTreesWithKunit(cacheDir: string): Promise<string[]> {
	const src = join(cacheDir, 'src');
	const names = (await readdir(src).catch(() => [] as string[])).filter(n => n.startsWith('linux-')).sort();
	const trees: string[] = [];
	for (const name of names) {
		if (await access(join(src, name, kunitScript)).then(() => true, () => false)) trees.push(join(src, name));
	}
	return trees;
}

// `python3 kunit.py parse FILE`: argv for the kernel tree at `tree`.
export function kunitParseArgs(tree: string, ktapFile: string): string[] {
	return [join(tree, kunitScript), 'parse', ktapFile];
}

export interface KunitCounts {
	total: number;
	passed: number;
	failed: number;
	skipped: number;
	crashed: number;
	errors: number;
	// kunit.py's exit code: 0 when nothing failed.
	exitCode: number;
	output: string;
}

// kunit.py's closing line: "Testing complete. Ran 9 tests: passed: 5, failed: 2, skipped: 2".
export function parseKunitSummary(output: string, exitCode: number): KunitCounts {
	const plain = output.replace(/\u001b\[[0-9;]*m/g, '');
	const line = /Testing complete\. Ran (\d+) tests?: (.*)$/m.exec(plain);
	if (!line) throw new Error(`kunit.py printed no summary line:\n${plain.split('\n').slice(-10).join('\n')}`);
	const field = (name: string): number => Number(new RegExp(`${name}: (\\d+)`).exec(line[2]!)?.[1] ?? 0);
	return {total: Number(line[1]), passed: field('passed'), failed: field('failed'), skipped: field('skipped'), crashed: field('crashed'), errors: field('errors'), exitCode, output: plain};
}

// Parse a KTAP file with the kernel's parser.
export async function kunitParse(tree: string, ktapFile: string): Promise<KunitCounts> {
	const result = await run('python3', kunitParseArgs(tree, ktapFile), {okExitCodes: [1], timeoutMs: 60_000});
	return parseKunitSummary(result.stdout + result.stderr, result.exitCode);
}
