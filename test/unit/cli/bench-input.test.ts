import test from 'ava';
import {execa} from 'execa';
import {repoPath} from '../../../harness/util/paths.ts';

// The bench's matrix filters are checked before it builds or boots anything: one kplug: line, exit 2.
for (const [flag, value, pattern] of [
	['--design', 'strong', /^kplug: unknown design "strong"/],
	['--profile', 'nope', /^kplug: unknown profile "nope"/],
	['--scenario', 'nope', /^kplug: unknown scenario "nope"/],
] as const) {
	test(`bench ${flag} ${value}: one line, exit 2`, async t => {
		const result = await execa('node', [repoPath('harness/bin/kplug.mjs'), 'bench', flag, value], {reject: false, env: {CI: 'true'}, cwd: repoPath(), timeout: 120_000});
		t.is(result.exitCode, 2, result.stderr);
		t.is(result.stdout, '');
		const lines = result.stderr.trim().split('\n');
		t.is(lines.length, 1, result.stderr);
		t.regex(lines[0]!, pattern);
	});
}
