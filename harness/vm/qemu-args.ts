// qemu-system-arm command line, built from a plain config (pure, unit-tested).

export interface QemuConfig {
	kernel: string;
	initrd: string;
	qemuCpu: string;
	memoryMiB: number;
	agentSocket: string;
	// Kernel command line additions (e.g. module_blacklist=…).
	append: readonly string[];
	// A QMP socket (qemu listens): where a VM's state is saved from (snapshots).
	qmpSocket?: string;
	// Start from this saved VM state (a migration stream in a file) instead of booting.
	incomingState?: string;
}

// Every guest has two CPUs (the kernels are built with CONFIG_SMP): see kernel-config/base.config.
export const guestCpus = 2;

export const baseCmdline = ['console=ttyAMA0', 'panic=-1', 'rdinit=/sbin/kplug-agent'];

// The full kernel command line.
export function kernelCmdline(cfg: Pick<QemuConfig, 'append'>): string {
	return [...baseCmdline, ...cfg.append].join(' ');
}

// Arguments for qemu-system-arm: virt board, no network, no display, console on stdio, agent on virtio-serial.
export function qemuArgs(cfg: QemuConfig): string[] {
	return [
		...machineArgs(cfg),
		...agentArgs(cfg.agentSocket),
		...(cfg.qmpSocket !== undefined ? ['-qmp', `unix:${cfg.qmpSocket},server=on,wait=off`] : []),
		// QEMU 7.2 has no file: migration URI; exec: runs through /bin/sh, hence the quoting.
		...(cfg.incomingState !== undefined ? ['-incoming', `exec:cat ${shellQuote(cfg.incomingState)}`] : []),
	];
}

// One word for /bin/sh, whatever the path holds.
export function shellQuote(word: string): string {
	return `'${word.replace(/'/g, `'\\''`)}'`;
}

// The machine alone (what the bench boots bare): everything but the agent channel.
export function machineArgs(cfg: Omit<QemuConfig, 'agentSocket'>): string[] {
	return [
		'-machine', 'virt',
		'-cpu', cfg.qemuCpu,
		'-m', String(cfg.memoryMiB),
		'-smp', String(guestCpus),
		'-nodefaults',
		'-display', 'none',
		'-nic', 'none',
		'-no-reboot',
		'-serial', 'stdio',
		'-kernel', cfg.kernel,
		'-initrd', cfg.initrd,
		'-append', kernelCmdline(cfg),
	];
}

function agentArgs(agentSocket: string): string[] {
	return [
		'-device', 'virtio-serial-device',
		'-chardev', `socket,id=agent,path=${agentSocket}`,
		'-device', 'virtserialport,chardev=agent,name=kplug.agent',
	];
}
