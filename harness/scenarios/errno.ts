// Decode the errno a kmod tool failed with from its message (kmod prints strerror text).

const table: readonly [RegExp, string][] = [
	[/Unknown symbol in module/i, 'ENOENT'],
	[/Invalid module format|Exec format error/i, 'ENOEXEC'],
	[/Operation not permitted/i, 'EPERM'],
	[/No such device(?! or address)/i, 'ENODEV'],
	[/File exists|already (?:loaded|in kernel)/i, 'EEXIST'],
	[/is in use|Device or resource busy/i, 'EBUSY'],
	[/not currently loaded|not found in directory|No such file or directory/i, 'ENOENT'],
	[/Invalid argument/i, 'EINVAL'],
	[/Cannot allocate memory/i, 'ENOMEM'],
	[/Key was rejected by service/i, 'EKEYREJECTED'],
	[/Resource temporarily unavailable/i, 'EAGAIN'],
	[/Bad address/i, 'EFAULT'],
	[/Function not implemented/i, 'ENOSYS'],
];

// The errno name in a failed tool's stderr, or undefined if none is recognisable.
export function errnoFromMessage(message: string): string | undefined {
	for (const [pattern, name] of table) if (pattern.test(message)) return name;
	return undefined;
}

// Errno numbers of 32-bit ARM Linux (asm-generic/errno-base.h, errno.h) that module syscalls return.
const errnoNames: Record<number, string> = {
	1: 'EPERM', 2: 'ENOENT', 8: 'ENOEXEC', 11: 'EAGAIN', 12: 'ENOMEM', 13: 'EACCES', 14: 'EFAULT', 16: 'EBUSY',
	17: 'EEXIST', 19: 'ENODEV', 22: 'EINVAL', 38: 'ENOSYS', 61: 'ENODATA', 95: 'EOPNOTSUPP', 129: 'EKEYREJECTED',
};

// The errno of the agent's raw-syscall answer ("delete_module: errno=11 (…)"); unknown numbers stay numeric.
export function errnoFromSyscallAnswer(answer: string): string | undefined {
	const match = /errno=(\d+)/.exec(answer);
	if (!match) return undefined;
	return errnoNames[Number(match[1])] ?? `errno ${match[1]}`;
}

// Kernel log lines worth reporting for module scenarios.
export const interestingKernelLine = /taint|blacklist|Unknown symbol|disagrees|relocation|out of range|curve25519|kplug|NEON|module|Oops|WARNING|BUG|panic|ENODEV|-19|-2\b/i;
