// kplug CLI: dispatch to a command, print one clear line on error, exit with its code.
import {holdCacheLease} from '../util/cache-entries.ts';
import {interruption, InterruptedError, KplugError, SetupError} from '../util/errors.ts';
import type {Progress} from '../util/progress.ts';
import {commandController, interruptExitCode, reapAll} from '../util/reaper.ts';
import {benchCommand} from './bench-command.ts';
import {bootCommand} from './boot-command.ts';
import {buildCommand} from './build-command.ts';
import {cacheCommand} from './cache-command.ts';
import {checkLocations, globalHelp, globalOptions, parseCommandArgs, type Command} from './command.ts';
import {discardUnusedRunDirs} from './matrix-job.ts';
import {memoryCommand} from './memory-command.ts';
import {mergeCommand} from './merge-command.ts';
import {runCommand} from './run-command.ts';
import {setupCommand} from './setup-command.ts';
import {shellCommand} from './shell-command.ts';
import {startCommand} from './start-command.ts';
import {vectorsCommand} from './vectors-command.ts';

export const commands: Command[] = [startCommand, setupCommand, buildCommand, bootCommand, shellCommand, runCommand, vectorsCommand, memoryCommand, mergeCommand, benchCommand, cacheCommand];

function mainHelp(): string {
	return [
		'kplug: QEMU-backed integration rig for the curve25519 library/arch module split',
		'',
		'Usage: kplug <command> [options]',
		'',
		'Commands:',
		...commands.map(c => `  ${c.name.padEnd(9)} ${c.summary}`),
		'',
		globalHelp,
		'',
		'Run "kplug <command> --help" for a command\'s options.',
	].join('\n');
}

// Run the CLI with argv (without node and script); returns the exit code.
export async function main(argv: readonly string[]): Promise<number> {
	// `kplug help run` is `kplug run --help`.
	const [name, ...rest] = argv[0] === 'help' && argv.length > 1 ? [argv[1]!, '--help', ...argv.slice(2)] : argv;
	if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
		process.stdout.write(mainHelp() + '\n');
		if (name !== undefined) return 0;
		process.stderr.write(`kplug: no command given (commands: ${commands.map(c => c.name).join(', ')})\n`);
		return 2;
	}
	const json = rest.slice(0, rest.includes('--') ? rest.indexOf('--') : undefined).includes('--json');
	let progress: Progress | undefined;
	// One line on stderr, after the live progress line; under --json the same as JSON on stdout, which then parses.
	const fail = (message: string, code: number): number => {
		progress?.end();
		process.stderr.write(`kplug: ${message}\n`);
		if (json) process.stdout.write(JSON.stringify({error: message, exitCode: code}, null, 2) + '\n');
		return code;
	};
	const command = commands.find(c => c.name === name);
	if (!command) return fail(`unknown command "${name}" (commands: ${commands.map(c => c.name).join(', ')})`, 2);
	// One AbortController per command: SIGINT/SIGTERM/SIGHUP abort it, and every build, VM and pool stops.
	const interrupt = commandController();
	let releaseLease: (() => void) | undefined;
	try {
		const args = {...parseCommandArgs(command, rest), signal: interrupt.signal};
		progress = args.progress;
		if (args.help) {
			const {summary, usage, details, options} = command;
			process.stdout.write(args.json
				? JSON.stringify({command: name, summary, usage, details, options: Object.keys({...globalOptions, ...options}).map(o => `--${o}`)}, null, 2) + '\n'
				: `${summary}\n\nUsage: ${usage}\n${details ? `\n${details}\n` : ''}\n${globalHelp}\n`);
			return 0;
		}
		await checkLocations(command, args);
		// A command that uses the cache holds a lease on it, so `kplug cache --prune` leaves it alone meanwhile.
		if ((command.writes ?? ['out', 'cache']).includes('cache') && command.name !== 'cache') releaseLease = holdCacheLease(args.cacheDir);
		const running = command.run(args);
		// Once interrupted, kplug waits (bounded) for the command to write what finished.
		interrupt.finishing(running.catch(() => undefined));
		const code = await running;
		progress.end();
		if (!interrupt.signal.aborted) return code;
		// Not fail(): the command has printed its (partial) result, JSON included.
		process.stderr.write(`kplug: ${interruption(interrupt.signal, name).message}: what finished is kept\n`);
		return interruptExitCode() ?? 130;
	} catch (error) {
		// Never in place of the error being reported.
		await discardUnusedRunDirs().catch(() => undefined);
		if (error instanceof InterruptedError || interrupt.signal.aborted) {
			return fail(error instanceof InterruptedError ? error.message : `interrupted (${(error as Error).message.split('\n')[0]})`, interruptExitCode() ?? 130);
		}
		if (error instanceof SetupError) return fail(`${error.message}${error.installLine ? `; run: ${error.installLine}` : ''}`, error.exitCode);
		if (error instanceof KplugError) return fail(error.message, error.exitCode);
		return fail(`internal error: ${(error as Error).stack ?? String(error)}`, 70);
	} finally {
		releaseLease?.();
		interrupt.done();
		await reapAll();
	}
}
