// Compiles the guest agent (images/agent/agent.c): statically for the guest, natively for host tests.
import {mkdir} from 'node:fs/promises';
import {dirname} from 'node:path';
import {fileURLToPath} from 'node:url';
import {run, type RunResult} from '../util/exec.ts';

// Where the agent's single C source lives in the repo.
export const AGENT_SOURCE = fileURLToPath(new URL('../../images/agent/agent.c', import.meta.url));

// The guest's cross compiler (32-bit ARM, hard float).
export const GUEST_CC = 'arm-linux-gnueabihf-gcc';

export interface AgentBuildConfig {
	cc: string;
	source: string;
	output: string;
	// Static for the guest (no libc in the image); dynamic is fine for host tests.
	static: boolean;
}

// Compiler argv for the agent; warnings are errors so both builds stay clean.
export function agentCcArgs(cfg: AgentBuildConfig): string[] {
	return [
		...(cfg.static ? ['-static'] : []),
		'-std=gnu11',
		'-O2',
		'-Wall',
		'-Wextra',
		'-Werror',
		'-o', cfg.output,
		cfg.source,
	];
}

// Builds the agent binary at cfg.output (creating its directory).
export async function buildAgent(cfg: AgentBuildConfig, options: {signal?: AbortSignal} = {}): Promise<RunResult> {
	await mkdir(dirname(cfg.output), {recursive: true});
	return run(cfg.cc, agentCcArgs(cfg), {timeoutMs: 120_000, signal: options.signal});
}
