// Unplugging under load: a caller thread in the test driver calls the library in a loop (checking every
// result against RFC 7748's known answer) while a guest shell removes and inserts the arch module.
// The loop runs in the guest (one EXEC): forks from the host would dominate the timing under TCG. The kmod
// tools are named by absolute path: Debian's busybox sh prefers its own applets for bare names.
import {moduleNames} from '../subject/designs.ts';
import type {KernelPathEvidence} from './types.ts';

export interface UnplugLoadResult {
	// Loop iterations (each: try rmmod, then try insmod), and what happened.
	iterations: number;
	removed: number;
	removeRefused: number;
	inserted: number;
	insertFailed: number;
	// Iterations across which the caller thread was seen making calls (before, between, after).
	callerRanAcross: number;
	calls: number;
	wrong: number;
	// The errno-ish messages of refused removals / failed inserts, by text, with counts.
	refusals: Record<string, number>;
	// One more removal after the caller thread has stopped (kthread_stop returns only when it has), then the
	// module is inserted again: the
	// timing-free answer to "can this design unplug the arch module at runtime". Under load the answer can
	// depend on timing (a call in flight holds softdep's symbol_get reference); idle it cannot.
	idle: IdleRemoval;
	// When the idle removal went through: the caller run once more with the arch module absent (the claim is
	// that calls continue on the generic path), before the module is inserted again. Absent otherwise.
	afterRemoval?: AfterRemoval;
}

// The caller's run after the idle removal: its exit, calls and wrong results (counted from its own start), and
// what the kernel saw entered meanwhile (kprobes, when the profile traces).
export interface AfterRemoval {
	exitCode: number;
	calls: number;
	wrong: number;
	kernel?: KernelPathEvidence;
}

// removed / refused: the idle removal's result; absent: the arch module was not loaded when the caller
// stopped (the loop's last insert failed); unknown: the script did not get that far.
export type IdleRemoval = 'removed' | 'refused' | 'absent' | 'unknown';
const idleRemovals: readonly IdleRemoval[] = ['removed', 'refused', 'absent'];

const PARAMS = `/sys/module/${moduleNames.driver}/parameters`;

// The guest script: bounded by iterations and seconds; prints key=value lines, and one "refused:" or
// "insert-failed:" line per distinct message.
export function unplugLoadScript(archKo: string, iterations: number, seconds: number): string {
	return [
		`P=${PARAMS}`,
		`echo 1 > $P/load || { echo "load-thread: could not start"; exit 90; }`,
		`end=$(( $(date +%s) + ${seconds} ))`,
		'i=0; rm_ok=0; rm_no=0; in_ok=0; in_no=0; ran=0',
		// Nothing to unplug when the arch module is not loaded (e.g. it refused a CPU without NEON): no loop.
		`n=${iterations}; grep -q '^${moduleNames.arch} ' /proc/modules || { n=0; echo "arch-not-loaded"; }`,
		'while [ $i -lt $n ] && [ $(date +%s) -lt $end ]; do',
		'  c0=$(cat $P/load_calls)',
		`  if m=$(/sbin/rmmod ${moduleNames.arch} 2>&1); then rm_ok=$((rm_ok+1)); else rm_no=$((rm_no+1)); echo "refused: $m"; fi`,
		'  c1=$(cat $P/load_calls)',
		`  if m=$(/sbin/insmod ${archKo} 2>&1); then in_ok=$((in_ok+1)); else in_no=$((in_no+1)); echo "insert-failed: $m"; fi`,
		'  c2=$(cat $P/load_calls)',
		'  [ "$c1" -gt "$c0" ] && [ "$c2" -gt "$c1" ] && ran=$((ran+1))',
		'  i=$((i+1))',
		'done',
		'echo 0 > $P/load',
		`if grep -q '^${moduleNames.arch} ' /proc/modules; then`,
		`  if m=$(/sbin/rmmod ${moduleNames.arch} 2>&1); then echo "idle=removed"; else echo "idle=refused"; echo "idle-refused: $m"; fi`,
		'else echo "idle=absent"; fi',
		'echo "iterations=$i removed=$rm_ok removeRefused=$rm_no inserted=$in_ok insertFailed=$in_no callerRanAcross=$ran"',
		'echo "calls=$(cat $P/load_calls) wrong=$(cat $P/load_wrong)"',
	].join('\n');
}

// After an idle removal: run the caller again with the arch module absent until it has made minCalls calls (or
// `seconds` passed: a bound, not the measure), stop it, print its counts, then insert the arch module again so
// the cell ends as the loop left it (the end-of-cell probes judge the loaded arch module).
export function afterRemovalScript(archKo: string, minCalls: number, seconds: number): string {
	return [
		`P=${PARAMS}`,
		`echo 1 > $P/load || { echo "load-thread: could not start"; exit 90; }`,
		`end=$(( $(date +%s) + ${seconds} ))`,
		`while [ $(cat $P/load_calls) -lt ${minCalls} ] && [ $(date +%s) -lt $end ]; do sleep 1; done`,
		'echo 0 > $P/load',
		'echo "afterCalls=$(cat $P/load_calls) afterWrong=$(cat $P/load_wrong)"',
		`grep -q '^${moduleNames.arch} ' /proc/modules || m=$(/sbin/insmod ${archKo} 2>&1) || echo "insert-failed: $m"`,
	].join('\n');
}

// Parse the after-removal script's output: its counts (missing numbers are 0), and a failed re-insert.
export function parseAfterRemoval(stdout: string, exitCode: number): {after: AfterRemoval; reinsertFailed?: string} {
	const number = (key: string): number => Number(new RegExp(`\\b${key}=(\\d+)`).exec(stdout)?.[1] ?? 0);
	const failed = /^insert-failed: (.*)$/m.exec(stdout)?.[1];
	return {after: {exitCode, calls: number('afterCalls'), wrong: number('afterWrong')}, ...(failed ? {reinsertFailed: failed} : {})};
}

// Parse the script's output (anything unexpected is left out; missing numbers are 0).
export function parseUnplugLoad(stdout: string): UnplugLoadResult {
	const result: UnplugLoadResult = {iterations: 0, removed: 0, removeRefused: 0, inserted: 0, insertFailed: 0, callerRanAcross: 0, calls: 0, wrong: 0, refusals: {}, idle: 'unknown'};
	for (const line of stdout.split('\n')) {
		const idle = /^idle=(\w+)$/.exec(line.trim())?.[1];
		if (idle !== undefined) {
			if ((idleRemovals as readonly string[]).includes(idle)) result.idle = idle as IdleRemoval;
			continue;
		}
		const refusal = /^(refused|insert-failed|idle-refused): (.*)$/.exec(line.trim());
		if (refusal) {
			const key = `${refusal[1]}: ${refusal[2]!.replace(/\/lib\/modules\/\S+\//, '')}`;
			result.refusals[key] = (result.refusals[key] ?? 0) + 1;
			continue;
		}
		for (const [, key, value] of line.matchAll(/(\w+)=(\d+)/g)) {
			if (key! in result && key !== 'refusals' && key !== 'idle' && key !== 'afterRemoval') (result as unknown as Record<string, number>)[key!] = Number(value);
		}
	}
	return result;
}
