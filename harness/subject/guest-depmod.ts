// depmod in the guest: for a userland whose kmod does not run on the host (trixie's kmod 34 needs trixie's glibc), the
// image is staged without depmod's files, booted once, and the image's own depmod writes them; they come back as hex
// over the agent and go into the image that is published. Once per image, when it is built: never per cell.
import {mkdir, mkdtemp} from 'node:fs/promises';
import {join} from 'node:path';
import {guestSystemMap, stagedModuleFiles, type GuestDepmod, type GuestDepmodResult} from '../image/image.ts';
import {UserlandUnavailableError, type UserlandDef} from '../setup/userlands.ts';
import {InterruptedError, KplugError} from '../util/errors.ts';
import {sha256} from '../util/hash.ts';
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

// The kmod major version in `depmod --version`'s first line ("kmod version 34.2").
export function kmodMajor(versionText: string): string | undefined {
	return /^kmod version (\d+)/m.exec(versionText)?.[1];
}

// A GuestDepmod that boots `zImage` with the staged image (logs in a fresh folder under logRoot) and runs the script
// there, after checking that the image's kmod is the userland's. Whatever goes wrong is the userland's images being
// unavailable (one line; the cells on it are errors, the others run), an interrupt aside.
export function guestDepmodRunner(zImage: string, userland: UserlandDef, logRoot: string, signal?: AbortSignal): GuestDepmod {
	return {
		recipe: sha256(guestDepmodScript('RELEASE')).slice(0, 16),
		async run(cpio, release): Promise<GuestDepmodResult> {
			await mkdir(logRoot, {recursive: true});
			const logDir = await mkdtemp(join(logRoot, `${release}-`));
			const unavailable = (why: string): UserlandUnavailableError => new UserlandUnavailableError(`userland ${userland.id}: guest depmod for ${release}: ${why} (logs: ${logDir})`);
			try {
				const vm = await startVm({kernel: zImage, initrd: cpio, qemuCpu: cpuModel('neon').qemuCpu, logDir, ...(signal ? {signal} : {})});
				try {
					const version = await vm.exec(['/sbin/depmod', '--version'], {step: 'depmod --version (guest)'});
					const major = kmodMajor(version.stdout);
					if (major !== userland.kmod) throw unavailable(`the image's depmod is kmod ${major ?? `unknown (${version.stdout.trim().split('\n')[0] || version.stderr.trim()})`}, the userland's is kmod ${userland.kmod}`);
					const result = await vm.exec(['/bin/sh', '-c', guestDepmodScript(release)], {step: 'depmod (guest)', timeoutMs: 120_000});
					// depmod's own output (warnings) comes first on stdout, before the first file marker.
					const warnings = result.stdout.split(fileMarker)[0]!.trim();
					if (result.exitCode !== 0) throw unavailable(`exit ${result.exitCode}: ${(warnings || result.stderr).trim().split('\n')[0] ?? ''}`);
					const files = parseGuestDepmodOutput(result.stdout);
					if (!files['modules.dep'] || !files['modules.dep.bin']) throw unavailable('no modules.dep/modules.dep.bin written');
					return {files, warnings};
				} finally {
					await vm.close();
				}
			} catch (error) {
				if (error instanceof UserlandUnavailableError || error instanceof InterruptedError || !(error instanceof KplugError)) throw error;
				throw unavailable(error.message.split('\n')[0] ?? error.message);
			}
		},
	};
}

// Where guest depmods' VM logs go: <cache>/logs/guest-depmod/<image label>/<release>-XXXXXX (one folder per run).
export function guestDepmodLogDir(cacheDir: string, label: string): string {
	return join(cacheDir, 'logs', 'guest-depmod', label);
}
