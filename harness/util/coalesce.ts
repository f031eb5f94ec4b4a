// Background work that follows a stream of events without keeping up with each one: poke() asks for a run, runs
// never overlap, a run starts no sooner than gapMs(last run's duration) after the previous one ended, and pokes
// that arrive meanwhile fold into the next run. The matrix's partial reports use it, so rendering the growing
// report neither holds a worker nor takes the cores the guests need after every cell.
export interface Coalesced {
	poke(): void;
	// Drop a pending run (and its wait) and wait for the one in progress, if any.
	stop(): Promise<void>;
}

export function coalesced(work: () => Promise<unknown>, gapMs: (lastRunMs: number) => number): Coalesced {
	let pending = false;
	let stopped = false;
	let running: Promise<void> | undefined;
	let lastEnd = Number.NEGATIVE_INFINITY;
	let lastMs = 0;
	let wake: (() => void) | undefined;
	async function loop(): Promise<void> {
		try {
			while (pending && !stopped) {
				const wait = lastEnd + gapMs(lastMs) - performance.now();
				if (wait > 0) {
					await new Promise<void>(resolve => {
						const timer = setTimeout(resolve, wait);
						wake = () => {
							clearTimeout(timer);
							resolve();
						};
					});
					wake = undefined;
					if (stopped) break;
				}
				pending = false;
				const started = performance.now();
				// A failed run stops nothing: the next one (and the caller's own last write) covers the same ground.
				await Promise.resolve().then(work).catch(() => undefined);
				lastEnd = performance.now();
				lastMs = lastEnd - started;
			}
		} finally {
			running = undefined;
		}
	}
	return {
		poke() {
			if (stopped) return;
			pending = true;
			running ??= loop().catch(() => undefined);
		},
		async stop() {
			stopped = true;
			pending = false;
			wake?.();
			await running;
		},
	};
}
