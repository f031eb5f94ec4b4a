// Runs before npm dependencies exist (so it uses node:child_process directly, the one exception
// to the single spawn path): install them if needed, then hand over to the TypeScript harness.
import {spawn, spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync} from 'node:fs';
import {constants as osConstants, tmpdir, userInfo} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {avaRunCounts, countLeftovers, countsLine, failureReport, processesUnder} from './ava-tap.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const kplug = join(root, 'harness/bin/kplug.mjs');

function fail(line, code = 2) {
	process.stderr.write(`kplug: ${line}\n`);
	process.exit(code);
}

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) fail(`Node.js >= 20.19 is required, this is ${process.version}`);

function ensureDeps() {
	const marker = join(root, 'node_modules/.package-lock.json');
	const lock = join(root, 'package-lock.json');
	if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
	process.stderr.write('[kplug] installing npm dependencies (npm ci) …\n');
	const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], {cwd: root, stdio: 'inherit'});
	if (result.status !== 0) fail('npm ci failed; run it by hand in ' + root);
}

// Run a step with inherited stdout and stderr; returns its exit code. `scan` sees its stdout too (as it streams).
// stdin is ignored unless `stdin` is 'inherit' (`npm run kplug -- shell` reads the user's keys or a pipe).
let running;
function step(command, args, scan, stdin = 'ignore', env = process.env) {
	return new Promise(resolve => {
		const child = spawn(command, args, {cwd: root, env, stdio: [stdin, scan ? 'pipe' : 'inherit', 'inherit']});
		running = child;
		if (scan) {
			child.stdout.setEncoding('utf8'); // whole characters per chunk (AVA's titles have '›')
			child.stdout.on('data', text => {
				process.stdout.write(text);
				scan(text);
			});
		}
		child.on('exit', (code, signal) => {
			running = undefined;
			resolve(code ?? (signal ? 128 : 1));
		});
	});
}

// An interrupt: Ctrl-C (and a closed terminal's SIGHUP) reaches the whole foreground group, so the running step has
// it already and ends in its own way (kplug takes up to 15 s to keep finished results, and a second signal would cut
// that short; AVA stops its workers). A step still running 20 s later was not reached (the signal was sent to this
// process alone): it is sent SIGINT, the signal both end gracefully on. When the step has ended, the tests' temp
// folder is removed once no process started under it is left, and this process exits 128 + the signal's number.
let interrupted;
function onInterrupt(signal) {
	// A second one: no more waiting (the tests' folder is left as it is).
	exitIfInterrupted();
	interrupted = signal;
	if (!running) exitIfInterrupted();
	const child = running;
	setTimeout(() => { if (running === child) child.kill('SIGINT'); }, 20_000).unref();
}
function exitIfInterrupted() {
	if (interrupted) process.exit(128 + osConstants.signals[interrupted]);
}

// After an interrupt: wait (at most 30 s) for the processes started under `temp`, then remove it; one line either way.
async function removeAfterInterrupt(temp) {
	let kept = process.env.KPLUG_KEEP_TEMP === '1' ? 'kept (KPLUG_KEEP_TEMP=1)' : undefined;
	for (let waited = 0; !kept && processesUnder(temp).length > 0 && waited < 30_000; waited += 250) await new Promise(resolve => setTimeout(resolve, 250));
	const left = kept ? [] : processesUnder(temp);
	if (left.length > 0) kept = `kept: processes ${left.join(', ')} still run under it`;
	if (!kept) {
		try {
			rmSync(temp, {recursive: true, force: true, maxRetries: 5});
		} catch (error) {
			kept = `not removed (${error.code ?? error.message})`;
		}
	}
	process.stderr.write(`[kplug] tests interrupted (${interrupted})${kept ? `; their temp folder ${temp} is ${kept}` : ''}\n`);
}

const node = process.execPath;
const mode = process.argv[2];
ensureDeps();
// After npm ci: an interrupt of it ends this process by the signal, as before.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, onInterrupt);

if (mode === 'start') {
	const extra = process.argv.slice(3);
	process.exit(await step(node, [kplug, 'start', ...extra]));
} else if (mode === 'bench') {
	process.exit(await step(node, [kplug, 'bench', ...process.argv.slice(3)]));
} else if (mode === 'kplug') {
	// `npm run kplug -- CMD …`: any command, after the same version check and npm ci.
	process.exit(await step(node, [kplug, ...process.argv.slice(3)], undefined, 'inherit'));
} else if (mode === 'test') {
	let code = await step(node, [kplug, 'setup']);
	exitIfInterrupted();
	if (code !== 0) process.exit(code);
	// The tests need the default kernel's default profile (the other kernels' tests build theirs): the other 6.1
	// profiles are npm start's.
	code = await step(node, [kplug, 'build', '--profile', 'thumb2']);
	exitIfInterrupted();
	if (code !== 0) process.exit(code);
	code = await step(node, [join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', root]);
	exitIfInterrupted();
	if (code !== 0) fail('type check failed', code);
	// AVA's TAP reporter (stdout; the tests' own output goes to stderr) streams through to the terminal
	// and is parsed for the closing counts and the failures, which are repeated at the end.
	const ava = join(root, 'node_modules/ava/entrypoints/cli.mjs');
	// Each run's tests (and the kplug processes they start) get a temp folder of their own, which must be empty
	// when they end: files left behind fail the run (KPLUG_KEEP_TEMP=1 keeps them on purpose, unchecked).
	// tsx (AVA's TypeScript loader) keeps its compile cache in $TMPDIR/tsx-<euid>: a link to the usual one keeps it
	// from run to run, and is no leftover.
	const tsxCache = `tsx-${process.geteuid?.() ?? userInfo().username}`;
	mkdirSync(join(tmpdir(), tsxCache), {recursive: true, mode: 0o700});
	const runs = [];
	for (const [name, args] of [['unit', ['--timeout=2m', 'test/unit']], ['integration', ['--serial', '--concurrency=1', 'test/integration']]]) {
		const temp = mkdtempSync(join(tmpdir(), `kplug-${name}-tests-`));
		symlinkSync(join(tmpdir(), tsxCache), join(temp, tsxCache));
		let tap = '';
		const exit = await step(node, [ava, '--tap', ...args], text => { tap += text; }, 'ignore', {...process.env, TMPDIR: temp});
		if (interrupted) {
			await removeAfterInterrupt(temp);
			exitIfInterrupted();
		}
		const run = {name, ...avaRunCounts(tap, exit)};
		if (process.env.KPLUG_KEEP_TEMP !== '1') {
			countLeftovers(run.counts, readdirSync(temp).filter(entry => entry !== tsxCache).sort());
			try {
				rmSync(temp, {recursive: true, force: true});
			} catch (error) {
				run.counts.failed += 1;
				run.counts.problems.push(`the tests left ${temp} in a state it cannot be removed in: ${error.message}`);
			}
		}
		runs.push(run);
	}
	const total = {passed: 0, failed: 0, skipped: 0, todo: 0};
	for (const run of runs) for (const key of Object.keys(total)) total[key] += run.counts[key];
	const failures = runs.map(run => failureReport(run.name, run.parsed, run.counts)).filter(Boolean);
	process.stdout.write(`\n${runs.map(run => `${run.name}: ${countsLine(run.counts)}`).join('\n')}\n`);
	if (failures.length > 0) process.stdout.write(`\n${failures.join('\n\n')}\n`);
	process.stdout.write(`\n${countsLine(total)}\n`);
	process.exit(total.failed > 0 ? 1 : 0);
} else {
	fail(`bootstrap: unknown mode "${mode}" (start, test, bench, kplug)`);
}
