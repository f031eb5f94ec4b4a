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

// Kernel log lines worth reporting for module scenarios.
export const interestingKernelLine = /taint|blacklist|Unknown symbol|disagrees|relocation|out of range|curve25519|kplug|NEON|module|Oops|WARNING|BUG|panic|ENODEV|-19|-2\b/i;
