// Runs before npm dependencies exist (so it uses node:child_process directly, the one exception
// to the single spawn path): install them if needed, then hand over to the TypeScript harness.
import {spawn, spawnSync} from 'node:child_process';
import {existsSync, statSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

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

// Run a step with inherited stdio; returns its exit code. `scan` sees its stdout too.
function step(command, args, scan) {
	return new Promise(resolve => {
		const child = spawn(command, args, {cwd: root, stdio: ['ignore', scan ? 'pipe' : 'inherit', 'inherit']});
		if (scan) {
			child.stdout.on('data', chunk => {
				process.stdout.write(chunk);
				scan(chunk.toString());
			});
		}
		child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
	});
}

const node = process.execPath;
const mode = process.argv[2];
ensureDeps();

if (mode === 'start') {
	const extra = process.argv.slice(3);
	process.exit(await step(node, [kplug, 'start', ...extra]));
} else if (mode === 'bench') {
	process.exit(await step(node, [kplug, 'bench', ...process.argv.slice(3)]));
} else if (mode === 'kplug') {
	// `npm run kplug -- CMD …`: any command, after the same version check and npm ci.
	process.exit(await step(node, [kplug, ...process.argv.slice(3)]));
} else if (mode === 'test') {
	let code = await step(node, [kplug, 'setup']);
	if (code !== 0) process.exit(code);
	code = await step(node, [kplug, 'build']);
	if (code !== 0) process.exit(code);
	code = await step(node, [join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', root]);
	if (code !== 0) fail('type check failed', code);
	const counts = {passed: 0, failed: 0, skipped: 0};
	const scan = text => {
		// AVA's closing lines: "N tests passed", "N tests failed", "N tests skipped", "N uncaught exceptions", …
		for (const [, n, what] of text.matchAll(/^\s*(\d+) (?:tests? )?(passed|failed|skipped|uncaught exceptions?|unhandled rejections?)\s*$/gm)) {
			if (what === 'passed') counts.passed += Number(n);
			else if (what === 'skipped') counts.skipped += Number(n);
			else counts.failed += Number(n);
		}
	};
	const ava = join(root, 'node_modules/ava/entrypoints/cli.mjs');
	const unit = await step(node, [ava, '--timeout=2m', 'test/unit'], scan);
	const integration = await step(node, [ava, '--serial', '--concurrency=1', 'test/integration'], scan);
	const failed = unit !== 0 || integration !== 0;
	if (failed && counts.failed === 0) counts.failed = 1;
	process.stdout.write(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
	process.exit(failed ? 1 : 0);
} else {
	fail(`bootstrap: unknown mode "${mode}" (start, test, bench, kplug)`);
}
