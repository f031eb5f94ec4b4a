// dpkg-deb: a package's files without its scripts (no root needed); one wrapper for the source fetch and the image.
import {run} from '../util/exec.ts';

// dpkg-deb -x: unpack a package's files into a folder.
export function dpkgDebExtractArgs(deb: string, dest: string): string[] {
	return ['-x', deb, dest];
}

// Unpack one .deb into a folder.
export async function unpackDeb(deb: string, dest: string, signal?: AbortSignal): Promise<void> {
	await run('dpkg-deb', dpkgDebExtractArgs(deb, dest), {timeoutMs: 20 * 60_000, ...(signal ? {signal} : {})});
}
