// The guest agent binary: images/agent/agent.c cross-compiled statically, cached by source hash.
import {readFile} from 'node:fs/promises';
import {join} from 'node:path';
import {isPublished, publishAtomically} from '../util/atomic.ts';
import {run} from '../util/exec.ts';
import {sha256} from '../util/hash.ts';
import {repoPath} from '../util/paths.ts';
import type {Progress} from '../util/progress.ts';

export const AGENT_SOURCE = repoPath('images/agent/agent.c');
export const GUEST_CC = 'arm-linux-gnueabihf-gcc';

export interface AgentCcConfig {
	cc: string;
	source: string;
	output: string;
	static: boolean;
}

// Compiler arguments for the agent (pure).
export function agentCcArgs(cfg: AgentCcConfig): string[] {
	return [...(cfg.static ? ['-static'] : []), '-std=gnu11', '-O2', '-Wall', '-Wextra', '-Werror', '-o', cfg.output, cfg.source];
}

// Compile the agent with the given compiler.
export async function buildAgent(cfg: AgentCcConfig): Promise<void> {
	await run(cfg.cc, agentCcArgs(cfg));
}

// The cross-compiled agent for the guest (cached). `onBuild` is told when this process is the one that compiles.
export async function ensureAgent(cacheDir: string, progress: Progress, onBuild?: () => void): Promise<{path: string; hash: string}> {
	const source = AGENT_SOURCE;
	const hash = sha256(await readFile(source)).slice(0, 20);
	const dir = join(cacheDir, 'agent', hash);
	const entry = {files: ['kplug-agent'], progress};
	if (!(await isPublished(dir, entry))) {
		await progress.step('agent: arm-linux-gnueabihf-gcc -static', () =>
			publishAtomically(dir, tmp => {
				onBuild?.();
				return buildAgent({cc: GUEST_CC, source, output: join(tmp, 'kplug-agent'), static: true});
			}, entry),
		);
	}
	return {path: join(dir, 'kplug-agent'), hash};
}
