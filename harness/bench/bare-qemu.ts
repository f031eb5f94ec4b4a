// Bare qemu-system-arm booting the same kernel and image to init: the baseline kplug is compared with.
import {spawnLong} from '../util/exec.ts';
import {machineArgs} from '../vm/qemu-args.ts';

// Arguments for a bare boot: the same machine, CPU, memory, kernel and initramfs as a VM; no agent channel.
export function bareQemuArgs(cfg: {kernel: string; initrd: string; qemuCpu: string; memoryMiB: number}): string[] {
	return machineArgs({...cfg, append: []});
}

// Milliseconds from spawning qemu until the kernel starts /init; qemu is killed afterwards.
export async function bareBootToInitMs(cfg: {kernel: string; initrd: string; qemuCpu: string; memoryMiB: number}, timeoutMs = 60_000): Promise<number> {
	const started = performance.now();
	const qemu = spawnLong('qemu-system-arm', bareQemuArgs(cfg));
	let text = '';
	try {
		return await new Promise<number>((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error('bare qemu did not reach init in time')), timeoutMs);
			qemu.onOutput(chunk => {
				text += chunk.toString();
				if (/Run \S+ as init process/.test(text)) {
					clearTimeout(timer);
					resolve(performance.now() - started);
				}
			});
			void qemu.exited.then(() => reject(new Error(`bare qemu exited before init:\n${text.slice(-500)}`)));
		});
	} finally {
		qemu.kill('SIGKILL');
		await qemu.exited;
	}
}
