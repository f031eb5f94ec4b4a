// Progress on long steps: a live line on a TTY, plain lines otherwise (CI), nothing in --json mode.

export interface Progress {
	step<T>(label: string, work: () => Promise<T>): Promise<T>;
	info(message: string): void;
}

// Progress reporter writing to stderr so that stdout stays clean for --json.
export function createProgress(options: {quiet?: boolean; stream?: NodeJS.WriteStream} = {}): Progress {
	const stream = options.stream ?? process.stderr;
	const live = Boolean(stream.isTTY) && !process.env['CI'];
	const write = (text: string): void => {
		if (!options.quiet) stream.write(text);
	};
	return {
		async step<T>(label: string, work: () => Promise<T>): Promise<T> {
			const started = Date.now();
			const elapsed = (): string => `${((Date.now() - started) / 1000).toFixed(1)}s`;
			let timer: NodeJS.Timeout | undefined;
			if (live) {
				write(`… ${label}`);
				timer = setInterval(() => write(`\r… ${label} (${elapsed()})`), 1000);
			} else {
				write(`[kplug] ${label} …\n`);
				timer = setInterval(() => write(`[kplug] ${label}: still running (${elapsed()})\n`), 30_000);
			}
			try {
				const result = await work();
				write(live ? `\r✔ ${label} (${elapsed()})\x1b[K\n` : `[kplug] ${label}: done in ${elapsed()}\n`);
				return result;
			} catch (error) {
				write(live ? `\r✘ ${label} (${elapsed()})\x1b[K\n` : `[kplug] ${label}: failed after ${elapsed()}\n`);
				throw error;
			} finally {
				clearInterval(timer);
			}
		},
		info(message: string): void {
			write(`[kplug] ${message}\n`);
		},
	};
}
