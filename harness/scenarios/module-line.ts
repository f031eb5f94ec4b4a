// One module as one short line, "name refs=N by a,b" (holders sorted): how observations record residency at a
// moment (after a step, at a probe) and how the outcome lists the modules at the end.
export function moduleLine(m: {name: string; refcount: number | null | undefined; holders: readonly string[]}): string {
	return `${m.name} refs=${m.refcount ?? '?'}${m.holders.length ? ` by ${[...m.holders].sort().join(',')}` : ''}`;
}

// The line of module `name` among such lines, if it was resident.
export function residentLine(lines: readonly string[], name: string): string | undefined {
	return lines.find(line => line.split(' ')[0] === name);
}
