// The real agent, compiled natively, driven over --stdio with the real host codec.
import test, {type ExecutionContext} from 'ava';
import {execa, type ResultPromise} from 'execa';
import {randomBytes} from 'node:crypto';
import {readFile, rm, stat, writeFile} from 'node:fs/promises';
import {release} from 'node:os';
import {join} from 'node:path';
import {errnoFromSyscallAnswer} from '../../../harness/scenarios/errno.ts';
import {
	FrameDecoder, decodeMessage, encodeDevio, encodeExec, encodeFrame, encodePing, encodePoweroff, encodeWriteFile, MessageType,
	type AgentMessage,
} from '../../../harness/vm/protocol.ts';
import {nativeAgent} from './_native-agent.ts';

const built = nativeAgent('agent-stdio');

// One agent process; messages are queued as they arrive and taken in order.
class StdioAgent {
	readonly process: ResultPromise<{stdin: 'pipe'; stdout: 'pipe'; stderr: 'pipe'; buffer: {stdout: false}; reject: false}>;
	readonly #decoder = new FrameDecoder();
	readonly #queue: AgentMessage[] = [];
	#wake: (() => void) | undefined;
	#closed = false;

	constructor(command: string[] = [built.path, '--stdio']) {
		const [file, ...args] = command as [string, ...string[]];
		this.process = execa(file, args, {stdin: 'pipe', stdout: 'pipe', stderr: 'pipe', buffer: {stdout: false}, reject: false});
		this.process.stdout.on('data', (chunk: Buffer) => {
			this.#queue.push(...this.#decoder.push(chunk).map(frame => decodeMessage(frame)));
			this.#wake?.();
		});
		this.process.stdout.on('close', () => {
			this.#closed = true;
			this.#wake?.();
		});
	}

	send(bytes: Buffer): void {
		this.process.stdin.write(bytes);
	}

	async next(timeoutMs = 10_000): Promise<AgentMessage> {
		const deadline = Date.now() + timeoutMs;
		while (this.#queue.length === 0) {
			if (this.#closed) throw new Error('agent closed its stdout');
			if (Date.now() >= deadline) throw new Error(`no message from the agent within ${timeoutMs} ms`);
			await new Promise<void>(resolve => {
				const timer = setTimeout(resolve, deadline - Date.now());
				this.#wake = () => {
					clearTimeout(timer);
					resolve();
				};
			});
			this.#wake = undefined;
		}
		return this.#queue.shift()!;
	}

	async request(bytes: Buffer): Promise<AgentMessage> {
		this.send(bytes);
		return this.next();
	}
}

async function startAgent(t: ExecutionContext): Promise<StdioAgent> {
	const agent = new StdioAgent();
	t.teardown(() => {
		agent.process.kill('SIGKILL');
	});
	const ready = await agent.next();
	t.is(ready.kind, 'ready');
	return agent;
}

async function exec(agent: StdioAgent, argv: string[], options: {stdin?: string | Buffer; timeoutMs?: number} = {}) {
	const message = await agent.request(encodeExec({id: 42, argv, timeoutMs: options.timeoutMs ?? 10_000, stdin: options.stdin}));
	if (message.kind !== 'exec-result') throw new Error(`expected exec-result, got ${JSON.stringify(message)}`);
	return message;
}

function cpuinfoValue(cpuinfo: string, key: string): string {
	const line = cpuinfo.split('\n').find(l => new RegExp(`^${key}\\s*:`).test(l));
	return line ? line.slice(line.indexOf(':') + 1).trim() : '';
}

test('READY reports the release, uptime and CPU of the machine', async t => {
	const agent = new StdioAgent();
	t.teardown(() => agent.process.kill('SIGKILL'));
	const ready = await agent.next();
	const cpuinfo = await readFile('/proc/cpuinfo', 'utf8');
	const uptime = Number((await readFile('/proc/uptime', 'utf8')).split(' ')[0]);
	if (ready.kind !== 'ready') return t.fail(`first message was ${ready.kind}`);
	t.is(ready.release, release());
	t.true(ready.uptimeSeconds !== undefined && ready.uptimeSeconds > 0 && ready.uptimeSeconds <= uptime);
	t.deepEqual(ready.cpuFeatures, cpuinfoValue(cpuinfo, 'Features').split(/\s+/).filter(Boolean));
	t.is(ready.cpuModel, cpuinfoValue(cpuinfo, 'CPU part') || cpuinfoValue(cpuinfo, 'model name'));
});

test('EXEC returns binary stdout byte for byte', async t => {
	const result = await exec(await startAgent(t), ['printf', '\\000\\377\\303(x\\n']);
	t.is(result.id, 42);
	t.deepEqual(result.stdout, Buffer.from([0x00, 0xff, 0xc3, 0x28, 0x78, 0x0a]));
	t.is(result.exitCode, 0);
	t.is(result.signal, 0);
	t.false(result.timedOut);
});

test('EXEC feeds stdin (1 MiB through cat)', async t => {
	const input = randomBytes(1 << 20);
	const result = await exec(await startAgent(t), ['cat'], {stdin: input});
	t.is(result.exitCode, 0);
	t.true(result.stdout.equals(input));
});

test('EXEC reports exit code and stderr', async t => {
	const result = await exec(await startAgent(t), ['sh', '-c', 'echo out; echo oops >&2; exit 3']);
	t.is(result.exitCode, 3);
	t.is(result.stdout.toString(), 'out\n');
	t.is(result.stderr.toString(), 'oops\n');
});

test('EXEC reports a signal death as exitCode -1', async t => {
	const result = await exec(await startAgent(t), ['sh', '-c', 'kill -TERM $$']);
	t.is(result.exitCode, -1);
	t.is(result.signal, 15);
	t.false(result.timedOut);
});

test('EXEC of a missing program exits 127 with a message', async t => {
	const result = await exec(await startAgent(t), ['kplug-no-such-program', 'x']);
	t.is(result.exitCode, 127);
	t.is(result.stderr.toString(), 'kplug-agent: exec kplug-no-such-program: No such file or directory\n');
});

test('EXEC runs with a fixed environment in a new session', async t => {
	const agent = await startAgent(t);
	const env = await exec(agent, ['env']);
	t.deepEqual(env.stdout.toString().trim().split('\n').sort(), ['HOME=/', 'PATH=/sbin:/usr/sbin:/bin:/usr/bin', 'TERM=dumb']);
	const session = await exec(agent, ['sh', '-c', 'echo $$; cut -d" " -f6 /proc/$$/stat']);
	const [pid, sid] = session.stdout.toString().trim().split('\n');
	t.truthy(pid);
	t.is(sid, pid);
});

test('EXEC timeout kills the child: timedOut, SIGKILL', async t => {
	const agent = await startAgent(t);
	// Timed from the request, not from the agent's start (which a loaded machine can make slow).
	const started = Date.now();
	const result = await exec(agent, ['sleep', '5'], {timeoutMs: 300});
	t.true(result.timedOut);
	t.is(result.exitCode, -1);
	t.is(result.signal, 9);
	t.true(result.durationMs >= 300 && result.durationMs < 2000, `durationMs ${result.durationMs}`);
	// Answered before the sleep would have ended by itself.
	t.true(Date.now() - started < 5000, `${Date.now() - started} ms`);
});

test('EXEC timeout kills the whole process group (grandchild holding stdout)', async t => {
	const result = await exec(await startAgent(t), ['sh', '-c', 'sleep 5 & echo $!; wait'], {timeoutMs: 300});
	t.true(result.timedOut);
	// Without the group kill the agent would wait out its 1 s grace period for the grandchild's stdout.
	t.true(result.durationMs < 1000, `durationMs ${result.durationMs}`);
	const grandchild = result.stdout.toString().trim();
	t.regex(grandchild, /^\d+$/);
	const state = await readFile(`/proc/${grandchild}/stat`, 'utf8').then(stat => stat.split(' ')[2], () => 'gone');
	t.true(state === 'gone' || state === 'Z', `grandchild ${grandchild} is in state ${state}`);
});

test('EXEC caps stdout at 16 MiB and says so in stderr', async t => {
	const result = await exec(await startAgent(t), ['head', '-c', '17000000', '/dev/zero'], {timeoutMs: 30_000});
	t.is(result.exitCode, 0);
	t.is(result.stdout.length, 16 * 1024 * 1024);
	t.regex(result.stderr.toString(), /kplug-agent: stdout truncated at 16777216 bytes/);
});

test('WRITE_FILE creates parent directories, sets the mode, EXEC cat reads it back', async t => {
	const agent = await startAgent(t);
	const path = join(built.dir, 'write', 'a', 'b', 'file.bin');
	const content = Buffer.from([0, 1, 2, 0xff, 0x0a]);
	const written = await agent.request(encodeWriteFile({id: 7, timeoutMs: 5000, path, mode: 0o600, content}));
	t.deepEqual(written, {kind: 'write-result', id: 7, errno: 0, message: 'Success', timedOut: false});
	t.is((await stat(path)).mode & 0o7777, 0o600);
	t.deepEqual(await readFile(path), content);
	t.deepEqual((await exec(agent, ['cat', path])).stdout, content);
});

test('WRITE_FILE reports errno and message on failure', async t => {
	const agent = await startAgent(t);
	const written = await agent.request(encodeWriteFile({id: 8, timeoutMs: 5000, path: '/dev/null/x/y', mode: 0o644, content: 'x'}));
	t.deepEqual(written, {kind: 'write-result', id: 8, errno: 20, message: 'Not a directory', timedOut: false});
});

test('DEVIO writes the request in one piece to a regular file', async t => {
	const agent = await startAgent(t);
	const path = join(built.dir, 'devio.bin');
	await writeFile(path, '');
	const request = Buffer.from([0x4b, 0x58, 0x32, 0x35, 0, 0xff]);
	const result = await agent.request(encodeDevio({id: 9, timeoutMs: 5000, path, request, maxResponseBytes: 4096}));
	// After the write the offset is at the end, so a regular file reads back nothing.
	t.deepEqual(result, {kind: 'devio-result', id: 9, errno: 0, response: Buffer.alloc(0), timedOut: false});
	t.deepEqual(await readFile(path), request);
});

test('DEVIO reads up to maxResponseBytes and reports open errors', async t => {
	const agent = await startAgent(t);
	const zero = await agent.request(encodeDevio({id: 10, timeoutMs: 5000, path: '/dev/zero', request: Buffer.from('x'), maxResponseBytes: 10}));
	t.deepEqual(zero, {kind: 'devio-result', id: 10, errno: 0, response: Buffer.alloc(10), timedOut: false});
	const missing = await agent.request(encodeDevio({id: 11, timeoutMs: 5000, path: join(built.dir, 'nope'), request: Buffer.alloc(0), maxResponseBytes: 10}));
	t.deepEqual(missing, {kind: 'devio-result', id: 11, errno: 2, response: Buffer.alloc(0), timedOut: false});
});

test('DEVIO has a deadline: a read that never ends is killed, reported as timed out, and the agent serves on', async t => {
	const agent = await startAgent(t);
	// A FIFO opened read-write: the request goes into it, the agent reads it back, then read(2) blocks for ever.
	const fifo = join(built.dir, 'devio.fifo');
	await execa('mkfifo', [fifo]);
	t.teardown(() => rm(fifo, {force: true}));
	const started = Date.now();
	const blocked = await agent.request(encodeDevio({id: 14, timeoutMs: 300, path: fifo, request: Buffer.from('x'), maxResponseBytes: 10}));
	t.deepEqual(blocked, {kind: 'devio-result', id: 14, errno: 110, response: Buffer.alloc(0), timedOut: true});
	t.true(Date.now() - started < 2500, `answered after ${Date.now() - started} ms`);
	t.like(await exec(agent, ['true']), {kind: 'exec-result', exitCode: 0});
});

test('WRITE_FILE has a deadline: an open that never returns is killed and reported as timed out', async t => {
	const agent = await startAgent(t);
	// Opening a FIFO for writing blocks until a reader comes, and none will.
	const fifo = join(built.dir, 'write.fifo');
	await execa('mkfifo', [fifo]);
	t.teardown(() => rm(fifo, {force: true}));
	const blocked = await agent.request(encodeWriteFile({id: 15, timeoutMs: 300, path: fifo, mode: 0o644, content: 'x'}));
	t.deepEqual(blocked, {kind: 'write-result', id: 15, errno: 110, message: 'timed out after 300 ms', timedOut: true});
	t.deepEqual(await agent.request(encodePoweroff(16)), {kind: 'poweroff-ack', id: 16});
});

test('pipelined requests split across writes are answered in order', async t => {
	const agent = await startAgent(t);
	const stream = Buffer.concat([1, 2, 3].map(id => encodeExec({id, argv: ['echo', String(id)], timeoutMs: 5000})));
	for (let i = 0; i < stream.length; i += 7) agent.send(stream.subarray(i, i + 7));
	for (const id of [1, 2, 3]) {
		const result = await agent.next();
		t.like(result, {kind: 'exec-result', id, exitCode: 0});
		if (result.kind === 'exec-result') t.is(result.stdout.toString(), `${id}\n`);
	}
});

test('malformed fields and unknown types get ERROR with the id, and the agent carries on', async t => {
	const agent = await startAgent(t);
	const badTimeout = encodeFrame(MessageType.exec, ['5', '1x', '', 'true'].map(s => Buffer.from(s)));
	t.like(await agent.request(badTimeout), {kind: 'error', id: 5, message: 'EXEC: bad timeoutMs'});
	t.like(await agent.request(encodeFrame(0x55, [Buffer.from('6')])), {kind: 'error', id: 6, message: 'unknown message type 0x55'});
	t.like(await agent.request(encodeFrame(MessageType.writeFile, [Buffer.from('12')])), {kind: 'error', id: 12});
	t.like(await agent.request(encodePoweroff(13)), {kind: 'poweroff-ack', id: 13});
});

test('an oversize frame is skipped with an ERROR and the agent serves on (as PID 1 it must never exit)', async t => {
	const agent = await startAgent(t);
	const size = 64 * 1024 * 1024 + 1;
	const prefix = Buffer.alloc(4);
	prefix.writeUInt32LE(size);
	agent.send(prefix);
	agent.send(Buffer.alloc(size, 0x10));
	t.like(await agent.next(), {kind: 'error', id: undefined, message: `frame of ${size} bytes is larger than 64 MiB: skipped`});
	t.like(await exec(agent, ['echo', 'in step']), {kind: 'exec-result', exitCode: 0});
	t.is(agent.process.exitCode, null);
});

test('a request that runs out of memory part-way gets ERROR with its id, its child is killed, and the agent serves on', async t => {
	// The agent under a 16 MB address-space limit cannot hold 16 MiB of output (it doubles its buffer):
	// die("realloc") returns to the serve loop instead of exiting.
	const agent = new StdioAgent(['sh', '-c', `ulimit -v 16000 && exec "$0" --stdio`, built.path]);
	t.teardown(() => agent.process.kill('SIGKILL'));
	t.is((await agent.next()).kind, 'ready');
	const openFds = async (id: number): Promise<string> => {
		const answer = await agent.request(encodeExec({id, argv: ['sh', '-c', 'ls /proc/$PPID/fd | wc -l'], timeoutMs: 5000}));
		return answer.kind === 'exec-result' ? answer.stdout.toString().trim() : JSON.stringify(answer);
	};
	const fdsBefore = await openFds(20);
	const pidFile = join(built.dir, 'oom-child.pid');
	const failed = await agent.request(encodeExec({id: 21, argv: ['sh', '-c', `echo $$ > ${pidFile}; exec cat /dev/zero`], timeoutMs: 20_000}));
	t.like(failed, {kind: 'error', id: 21});
	if (failed.kind === 'error') t.is(failed.message, 'realloc: Cannot allocate memory');
	t.like(await agent.request(encodeExec({id: 22, argv: ['echo', 'still serving'], timeoutMs: 5000})), {kind: 'exec-result', id: 22, exitCode: 0});
	t.is(await openFds(23), fdsBefore, 'the failed request\'s pipes were closed');
	const child = (await readFile(pidFile, 'utf8')).trim();
	const state = await readFile(`/proc/${child}/stat`, 'utf8').then(stat => stat.split(' ')[2], () => 'gone');
	t.true(state === 'gone' || state === 'Z', `the request's child ${child} is in state ${state}`);
});

test('EOF on stdin makes the agent exit 0', async t => {
	const agent = await startAgent(t);
	agent.process.stdin.end();
	t.is((await agent.process).exitCode, 0);
});

test('PING is answered with PONG and its id, between other requests', async t => {
	const agent = await startAgent(t);
	t.deepEqual(await agent.request(encodePing(41)), {kind: 'pong', id: 41});
	t.like(await agent.request(encodeExec({id: 42, argv: ['true'], timeoutMs: 5000})), {kind: 'exec-result', id: 42, exitCode: 0});
	t.like(await agent.request(encodeFrame(MessageType.ping, [])), {kind: 'error', message: 'PING needs exactly an id'});
	t.deepEqual(await agent.request(encodePing(43)), {kind: 'pong', id: 43});
});

test('POWEROFF is acknowledged and the agent exits 0', async t => {
	const agent = await startAgent(t);
	t.deepEqual(await agent.request(encodePoweroff(77)), {kind: 'poweroff-ack', id: 77});
	const result = await agent.process;
	t.is(result.exitCode, 0);
	t.is(result.stderr, '');
});

// --syscall: the kernel's own answer, printed and returned as the exit code. Here on the host, with
// arguments that can change nothing: a module name no kernel has, a file that is not a module.
// (ENOENT on a normal host kernel; a sandbox may answer ENOSYS or EPERM: whatever it is, it is the
// kernel's errno, printed and returned as the exit code.)
test('--syscall delete_module of a module that is not loaded: the kernel\'s errno, printed and as exit code', async t => {
	const result = await execa(built.path, ['--syscall', 'delete_module', 'kplug_no_such_module_xyz'], {reject: false});
	const match = /^delete_module: errno=(\d+) \((.+)\)$/.exec(result.stdout);
	t.truthy(match, result.stdout);
	t.not(Number(match?.[1]), 0);
	t.is(result.exitCode, Number(match?.[1]));
	t.true(['ENOENT', 'ENOSYS', 'EPERM'].includes(errnoFromSyscallAnswer(result.stdout) ?? ''), result.stdout);
});

test('--syscall finit_module of a missing file reports the open error; bad usage exits 2', async t => {
	const missing = await execa(built.path, ['--syscall', 'finit_module', join(built.dir, 'nope.ko')], {reject: false});
	t.is(missing.exitCode, 2);
	t.regex(missing.stdout, /^open .*nope\.ko: errno=2 /);
	const usage = await execa(built.path, ['--syscall', 'rm', '-rf'], {reject: false});
	t.is(usage.exitCode, 2);
	t.regex(usage.stderr, /usage: kplug-agent --syscall finit_module FILE \| delete_module NAME/);
});
