// Raw mode on the user's terminal for an interactive session, restored however the session ends.

export interface TerminalInput {
	isTTY?: boolean;
	setRawMode?(mode: boolean): unknown;
}

// Put `input` in raw mode when it is a terminal (keys go to the guest as typed: Ctrl-C, Ctrl-D, arrows); returns
// the restore function, which also runs at process exit (a signal, process.exit) if nobody called it.
export function rawTerminal(input: TerminalInput, onExit: {once(event: 'exit', f: () => void): unknown; removeListener(event: 'exit', f: () => void): unknown} = process): () => void {
	if (!input.isTTY || typeof input.setRawMode !== 'function') return () => undefined;
	input.setRawMode(true);
	let raw = true;
	const restore = (): void => {
		if (!raw) return;
		raw = false;
		try {
			input.setRawMode?.(false);
		} catch {
			// the terminal is gone (hang-up): nothing to restore
		}
	};
	onExit.once('exit', restore);
	return () => {
		onExit.removeListener('exit', restore);
		restore();
	};
}
