// depmod in the guest: for a userland whose kmod does not run on the host (trixie's kmod 34 needs trixie's glibc), the
// image is staged without depmod's files, booted once, and the image's own depmod writes them; they come back as hex
// over the agent and go into the image that is published. Once per image, when it is built: never per cell.
import {mkdir} from 'node:fs/promises';
import {join} from 'node:path';
import {guestSystemMap, stagedModuleFiles, type GuestDepmod, type GuestDepmodResult} from '../image/image.ts';
import {KplugError} from '../util/errors.ts';
import {cpuModel} from '../vm/cpu-models.ts';
import {startVm} from '../vm/vm.ts';

const fileMarker = '@@kplug-depmod-file ';

// The guest's script: depmod as the host would run it (-F System.map -e), then every modules.* file depmod wrote,
// each as a marker line and od's hex bytes.
export function guestDepmodScript(release: string): string {
	const dir = `/lib/modules/${release}`;
	const staged = stagedModuleFiles.map(f => `${f}) continue ;;`).join(' ');
	return [
		`/sbin/depmod -F /${guestSystemMap} -e ${release} 2>&1 >/dev/null || exit $?`,
		`cd ${dir} || exit 1`,
		`for f in modules.*; do case "$f" in ${staged} esac; echo "${fileMarker}$f"; od -An -v -tx1 "$f"; done`,
	].join('\n');
}

// The files in the script's output (marker line, then hex bytes), name → bytes.
export function parseGuestDepmodOutput(stdout: string): Record<string, Uint8Array> {
	const files: Record<string, Uint8Array> = {};
	let name: string | undefined;
	let hex: string[] = [];
	const flush = (): void => {
		if (name !== undefined) files[name] = Uint8Array.from(hex.join('').match(/../g) ?? [], h => parseInt(h, 16));
	};
	for (const line of stdout.split('\n')) {
		if (line.startsWith(fileMarker)) {
			flush();
			name = line.slice(fileMarker.length).trim();
			hex = [];
		} else if (name !== undefined) {
			const bytes = line.trim().split(/\s+/).filter(Boolean);
			if (bytes.some(b => !/^[0-9a-f]{2}$/.test(b))) throw new KplugError(`guest depmod: unexpected output line for ${name}: ${line.slice(0, 80)}`);
			hex.push(...bytes);
		}
	}
	flush();
	return files;
}

// A GuestDepmod that boots `zImage` with the staged image (logs under logDir) and runs the script there.
export function guestDepmodRunner(zImage: string, logDir: string, signal?: AbortSignal): GuestDepmod {
	return async (cpio, release): Promise<GuestDepmodResult> => {
		await mkdir(logDir, {recursive: true});
		const vm = await startVm({kernel: zImage, initrd: cpio, qemuCpu: cpuModel('neon').qemuCpu, logDir, ...(signal ? {signal} : {})});
		try {
			const result = await vm.exec(['/bin/sh', '-c', guestDepmodScript(release)], {step: 'depmod (guest)', timeoutMs: 120_000});
			// depmod's own output (warnings) comes first on stdout, before the first file marker.
			const warnings = result.stdout.split(fileMarker)[0]!.trim();
			if (result.exitCode !== 0) throw new KplugError(`guest depmod for ${release} failed (exit ${result.exitCode}): ${(warnings || result.stderr).trim().split('\n')[0] ?? ''} (logs: ${logDir})`);
			const files = parseGuestDepmodOutput(result.stdout);
			if (!files['modules.dep'] || !files['modules.dep.bin']) throw new KplugError(`guest depmod for ${release} wrote no modules.dep/modules.dep.bin (logs: ${logDir})`);
			return {files, warnings};
		} finally {
			await vm.close();
		}
	};
}

// Where a guest depmod's VM logs go: <cache>/logs/guest-depmod/<label>.
export function guestDepmodLogDir(cacheDir: string, label: string): string {
	return join(cacheDir, 'logs', 'guest-depmod', label);
}
