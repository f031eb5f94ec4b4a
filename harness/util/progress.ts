// Progress on long steps: a live line on a TTY, plain lines otherwise (CI), nothing in --json mode.

export interface Progress {
	step<T>(label: string, work: () => Promise<T>): Promise<T>;
	info(message: string): void;
	// Where a long job stands (cells done/total, failures so far, ETA). On a TTY one line, rewritten in place, with
	// messages printed above it; otherwise one line each, like info.
	status(line: string): void;
	// Finish the status line (a TTY's ends with a newline): call before printing anything else on the terminal.
	end(): void;
}

// Where progress goes: stderr, or a test's fake terminal.
export interface ProgressStream {
	write(text: string): unknown;
	isTTY?: boolean;
	columns?: number;
}

const clearLine = '\r\x1b[K';

// Progress reporter writing to stderr so that stdout stays clean for --json.
export function createProgress(options: {quiet?: boolean; stream?: ProgressStream; env?: NodeJS.ProcessEnv} = {}): Progress {
	const stream = options.stream ?? process.stderr;
	const live = Boolean(stream.isTTY) && !(options.env ?? process.env)['CI'];
	const write = (text: string): void => {
		if (!options.quiet) stream.write(text);
	};
	// The status line on screen (TTY), cut to the terminal's width: a wrapped line cannot be rewritten with \r.
	let shown: string | undefined;
	const fit = (line: string): string => {
		const width = (stream.columns ?? 0) - 1;
		return width > 0 && line.length > width ? `${line.slice(0, width - 1)}…` : line;
	};
	const redraw = (): void => {
		if (shown !== undefined) write(shown);
	};
	return {
		async step<T>(label: string, work: () => Promise<T>): Promise<T> {
			const started = Date.now();
			const elapsed = (): string => `${((Date.now() - started) / 1000).toFixed(1)}s`;
			let timer: NodeJS.Timeout | undefined;
			if (live) {
				write(`${shown !== undefined ? clearLine : ''}… ${label}`);
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
				if (live) redraw();
			}
		},
		info(message: string): void {
			if (live && shown !== undefined) {
				write(`${clearLine}[kplug] ${message}\n`);
				redraw();
			} else {
				write(`[kplug] ${message}\n`);
			}
		},
		status(line: string): void {
			if (!live) {
				write(`[kplug] ${line}\n`);
				return;
			}
			shown = fit(line);
			write(`${clearLine}${shown}`);
		},
		end(): void {
			if (live && shown !== undefined) write('\n');
			shown = undefined;
		},
	};
}
