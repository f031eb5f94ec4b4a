// Registry of live resources (VMs) reaped on exit, SIGINT and SIGTERM.

type Reap = () => Promise<void> | void;
const live = new Set<Reap>();
let installed = false;
let stopping = false;

function install(): void {
	if (installed) return;
	installed = true;
	for (const signal of ['SIGINT', 'SIGTERM'] as const) {
		process.once(signal, () => {
			stopping = true;
			void reapAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
		});
	}
}

// Track a resource; returns the function that untracks it.
export function track(reap: Reap): () => void {
	install();
	live.add(reap);
	return () => live.delete(reap);
}

// Reap everything still tracked.
export async function reapAll(): Promise<void> {
	const all = [...live];
	live.clear();
	await Promise.allSettled(all.map(async reap => reap()));
}

// How many resources are live (tests assert zero).
export function liveCount(): number {
	return live.size;
}

// True once SIGINT/SIGTERM arrived: nothing new (no VM) may start.
export function isStopping(): boolean {
	return stopping;
}
