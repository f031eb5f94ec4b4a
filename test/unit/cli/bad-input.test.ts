import test from 'ava';
import {execa} from 'execa';
import {mkdir, readdir, readlink, symlink, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {repoPath} from '../../../harness/util/paths.ts';
import {tempDir} from '../../_temp.ts';

const kplug = repoPath('harness/bin/kplug.mjs');

// The cases below run as concurrent tests; each starts a Node process that loads the TypeScript harness, which on
// a fresh machine (no tsx cache) and beside a kernel build took about a minute each when all 30 started at once.
// Two at a time keeps each well inside its own deadline.
let running = 0;
const waiting: (() => void)[] = [];
async function oneOfTwo<T>(work: () => Promise<T>): Promise<T> {
	while (running >= 2) await new Promise<void>(resolve => waiting.push(resolve));
	running++;
	try {
		return await work();
	} finally {
		running--;
		waiting.shift()?.();
	}
}

async function badInput(t: import('ava').ExecutionContext, argv: string[], pattern: RegExp, env: Record<string, string> = {}): Promise<void> {
	const result = await oneOfTwo(() => execa('node', [kplug, ...argv], {reject: false, env: {CI: 'true', ...env}, cwd: repoPath(), timeout: 60_000}));
	t.is(result.exitCode, 2, `exit code of kplug ${argv.join(' ')}: ${result.stderr}`);
	t.is(result.stdout, '');
	const lines = result.stderr.trim().split('\n');
	t.is(lines.length, 1, `one error line, got:\n${result.stderr}`);
	t.regex(lines[0]!, /^kplug: /);
	t.regex(lines[0]!, pattern);
}

const cases: [string, string[], RegExp][] = [
	['unknown command', ['frobnicate'], /unknown command "frobnicate".*start, setup, build/],
	['unknown flag', ['run', '--bogus'], /Unknown option '--bogus'/],
	['unknown profile', ['build', '--profile', 'nope'], /unknown profile "nope" \(profiles: thumb2, arm, thumb2-noplts\)/],
	['unknown kernel', ['build', '--kernel', '6.12,5.4'], /unknown kernel "5\.4" \(kernels: 6\.1, 6\.12, 7\.3\)/],
	['a profile the kernel does not build', ['build', '--kernel', '7.3', '--profile', 'arm'], /kernel 7\.3 does not build profile arm \(profiles on 7\.3: thumb2\)/],
	['unknown design', ['run', '--design', 'strong'], /unknown design "strong" \(designs: mainline, weak, softdep, static-call\)/],
	['unknown CPU', ['run', '--cpu', 'a9'], /unknown CPU model "a9" \(CPU models: neon, noneon\)/],
	['unknown scenario', ['run', '--scenario', 'nope'], /unknown scenario "nope" \(scenarios: arch-first,/],
	['malformed shard', ['run', '--shard', '3/2'], /--shard must be i\/n/],
	['empty filter result', ['run', '--design', 'weak', '--profile', 'thumb2', '--cpu', 'neon', '--scenario', 'arch-first', '--shard', '2/2'], /no cells match/],
	['bad --jobs', ['run', '--jobs', '0'], /--jobs must be an integer ≥ 1/],
	['--snapshot with --no-snapshot', ['run', '--scenario', 'arch-first', '--snapshot', '--no-snapshot'], /--snapshot and --no-snapshot contradict each other/],
	['start --snapshot with --no-snapshot', ['start', '--snapshot', '--no-snapshot'], /--snapshot and --no-snapshot contradict each other/],
	['bad --random', ['vectors', '--random', 'lots'], /--random must be an integer/],
	['boot without a command', ['boot'], /nothing to run/],
	['run on an unknown kernel', ['run', '--kernel', '9.9'], /unknown kernel "9\.9"/],
	['run on an unknown userland', ['run', '--userland', 'sid'], /unknown userland "sid" \(userlands: bookworm, trixie\)/],
	['boot on two userlands', ['boot', '--userland', 'bookworm,trixie', '--', 'true'], /boot: one --userland at a time, got bookworm, trixie/],
	// The vector and memory jobs load with insmod on the default userland: they take no --userland.
	['vectors with a userland', ['vectors', '--userland', 'trixie'], /Unknown option '--userland'/],
	['boot on two kernels', ['boot', '--kernel', '6.12,7.3', '--', 'true'], /boot: one --kernel at a time, got 6\.12, 7\.3/],
	['boot --no-modules with a design', ['boot', '--kernel', '7.3', '--no-modules', '--design', 'weak', '--', 'true'], /--no-modules boots no design/],
	['vectors on a profile 7.3 does not build', ['vectors', '--kernel', '7.3', '--profile', 'arm'], /kernel 7\.3 does not build profile arm/],
	['merge of a folder without a report', ['merge', '/nonexistent-kplug-run'], /report\.json: not a readable report/],
	// Before the fix: Node's recursive mkdir spun for ever on /proc; a file was an ENOTDIR stack trace.
	['--out on /proc', ['run', '--design', 'weak', '--profile', 'thumb2', '--cpu', 'neon', '--scenario', 'blacklist-modprobe-d', '--out', '/proc/forbidden'], /^kplug: --out \/proc\/forbidden: is on \/proc/],
	['--out a file', ['run', '--scenario', 'arch-first', '--out', 'package.json'], /^kplug: --out \/.*\/package\.json: is a file, not a folder$/],
	['--cache on /sys', ['build', '--cache', '/sys/kplug-cache'], /^kplug: --cache \/sys\/kplug-cache: is on \/sys/],
	['merge --out under a file', ['merge', '/nonexistent-kplug-run', '--out', 'package.json/merged'], /package\.json is a file, not a folder$/],
	// An unset shell variable must not mean "everything" or "here".
	['an empty --design', ['run', '--design', ''], /^kplug: --design "" has an empty name: give names, or leave --design out for all$/],
	['a trailing comma', ['run', '--design', 'weak,'], /^kplug: --design "weak," has an empty name/],
	['an empty --out', ['run', '--out', ''], /^kplug: --out "": give a folder$/],
	['a mistyped --baseline', ['run', '--scenario', 'arch-first', '--baseline', '/nonexistent-kplug/matrix.json'], /^kplug: \/nonexistent-kplug\/matrix\.json: no baseline there \(record one with kplug run --update-baseline\)$/],
	['a --timeout beyond a day (Node would fire it at once)', ['boot', '--timeout', '99999999999', '--', 'true'], /^kplug: --timeout must be at most 86400 seconds \(a day\), got "99999999999"$/],
	['start with a mistyped --baseline (before its builds)', ['start', '--baseline', '/nonexistent-kplug/matrix.json'], /^kplug: \/nonexistent-kplug\/matrix\.json: no baseline there/],
	// Before: started that many VMs (and the OOM killer chose); a typo for 10 was no different.
	['--jobs beyond what memory holds', ['run', '--scenario', 'arch-first', '--jobs', '100000'], /^kplug: --jobs 100000 is more VMs than this machine's \d+ MiB of memory holds at once \(at most \d+, about 640 MiB each\)$/],
	['vectors --jobs beyond what memory holds', ['vectors', '--jobs', '100000'], /^kplug: --jobs 100000 is more VMs/],
	['help for an unknown command', ['help', 'frobnicate'], /^kplug: unknown command "frobnicate"/],
	// Before: the last one won, silently.
	['an option given twice', ['run', '--scenario', 'arch-first', '--out', 'a', '--out', 'b'], /^kplug: run: --out given twice \("a", "b"\): give it once$/],
	// Before: "reproduce with --seed 5" was printed for random vectors that never ran.
	['--seed without random vectors', ['vectors', '--random', '0', '--seed', '5'], /^kplug: --seed 5 has no effect with --random 0: leave --seed out, or ask for random vectors$/],
	['start: --seed without random vectors (before its builds)', ['start', '--random', '0', '--seed', '5'], /^kplug: --seed 5 has no effect with --random 0/],
	['start: vector options with --skip-vectors (before its builds)', ['start', '--skip-vectors', '--seed', '5', '--random', '9'], /^kplug: --random, --seed have no effect with --skip-vectors: leave out one or the other$/],
	['start: --repeat with --skip-memory (before its builds)', ['start', '--skip-memory', '--repeat', '3'], /^kplug: --repeat has no effect with --skip-memory: leave out one or the other$/],
	['start: a bad --rounds (before its builds)', ['start', '--rounds', 'many'], /^kplug: --rounds must be an integer ≥ 0, got "many"$/],
	['start: a bad --shard (before its builds)', ['start', '--shard', '0/2'], /--shard must be i\/n/],
	['start: an unknown --scenario (before its builds)', ['start', '--scenario', 'nope'], /unknown scenario "nope"/],
	['start: --jobs beyond what memory holds (before its builds)', ['start', '--jobs', '100000'], /^kplug: --jobs 100000 is more VMs/],
	['a folder as --baseline', ['run', '--scenario', 'arch-first', '--baseline', 'harness'], /harness: unreadable baseline \(EISDIR\)$/],
];

for (const [title, argv, pattern] of cases) test(`bad input: ${title}`, badInput, argv, pattern);

test('bad input: a malformed vector file names the file, test id and field before anything boots', async t => {
	const dir = await tempDir(t, 'badvec');
	const file = join(dir, 'mine.json');
	await writeFile(file, JSON.stringify({algorithm: 'XDH', numberOfTests: 1, testGroups: [{type: 'XdhComp', curve: 'curve25519', tests: [{tcId: 1, comment: '', public: 'zz', private: '00'.repeat(32), shared: '00'.repeat(32), result: 'valid', flags: []}]}]}));
	await badInput(t, ['vectors', '--file', file], /mine\.json: tcId 1: field "public"/);
});

test('bad input: KPLUG_CACHE on /proc is named as such', async t => {
	await badInput(t, ['setup'], /^kplug: KPLUG_CACHE \/proc\/kplug: is on \/proc/, {KPLUG_CACHE: '/proc/kplug'});
});

// Before: "0 entries, 0 kB", exit 0, as if the cache were empty. (A missing folder in a writable one: under / a
// normal user's run is refused earlier, for the unwritable parent.)
test('bad input: a mistyped --cache to list', async t => {
	const missing = join(await tempDir(t, 'cachetypo'), 'no-such-cache');
	await badInput(t, ['cache', '--cache', missing], new RegExp(`^kplug: --cache ${missing}: no such folder, so no kplug cache there$`));
});

test('no command: the commands on stdout, one kplug: line on stderr, exit 2; `kplug help run` is `kplug run --help`', async t => {
	const bare = await oneOfTwo(() => execa('node', [kplug], {reject: false}));
	t.is(bare.exitCode, 2);
	t.regex(bare.stdout, /^Commands:$/m);
	t.regex(bare.stderr, /^kplug: no command given \(commands: start, setup, build, .*cache\)$/);
	const help = await oneOfTwo(() => execa('node', [kplug, 'help', 'run'], {reject: false}));
	t.is(help.exitCode, 0);
	t.regex(help.stdout, /^Usage: kplug run /m);
	t.notRegex(help.stdout, /^Commands:$/m);
});

test('help: every command has --help and exits 0', async t => {
	for (const command of ['start', 'setup', 'build', 'boot', 'run', 'vectors', 'memory', 'merge', 'bench']) {
		const result = await oneOfTwo(() => execa('node', [kplug, command, '--help'], {reject: false}));
		t.is(result.exitCode, 0, command);
		t.regex(result.stdout, /Usage: kplug /, command);
	}
});

test('bad input found after the run folder was made leaves no empty run folder, and latest where it was', async t => {
	const out = await tempDir(t, 'badrun');
	await mkdir(join(out, 'runs', 'run-earlier'), {recursive: true});
	await writeFile(join(out, 'runs', 'run-earlier', 'report.md'), 'earlier\n');
	await symlink(join(out, 'runs', 'run-earlier'), join(out, 'latest'));
	await badInput(t, ['run', '--scenario', 'arch-first', '--jobs', '0', '--out', out], /--jobs must be an integer ≥ 1/);
	t.deepEqual(await readdir(join(out, 'runs')), ['run-earlier']);
	t.is(await readlink(join(out, 'latest')), join(out, 'runs', 'run-earlier'));
});
