// dpkg-deb and depmod for the guest image: pure argument builders and runners.
import {run} from '../util/exec.ts';

export {dpkgDebExtractArgs, unpackDeb} from '../setup/dpkg-deb.ts';

// depmod for a staging root: real modules.dep from the kernel's System.map.
export function depmodArgs(cfg: {baseDir: string; release: string; systemMap: string}): string[] {
	return ['-b', cfg.baseDir, '-F', cfg.systemMap, '-e', cfg.release];
}

// Run depmod; warnings (e.g. unknown symbols) are returned for the image manifest.
export async function runDepmod(cfg: {baseDir: string; release: string; systemMap: string}): Promise<string> {
	const result = await run('depmod', depmodArgs(cfg));
	return result.stderr.trim();
}
