// Everything the rig needs on the host and in the guest, as data.

export interface HostRequirement {
	// What is checked: a command on PATH or a file.
	check: {command: string} | {file: string};
	// The Debian package that provides it.
	package: string;
	why: string;
}

export const hostRequirements: readonly HostRequirement[] = [
	{check: {command: 'arm-linux-gnueabihf-gcc'}, package: 'gcc-arm-linux-gnueabihf', why: 'cross compiler'},
	{check: {file: '/usr/arm-linux-gnueabihf/include/stdio.h'}, package: 'libc6-dev-armhf-cross', why: 'static guest agent'},
	{check: {command: 'make'}, package: 'make', why: 'kernel build'},
	{check: {command: 'gcc'}, package: 'gcc', why: 'kernel host tools'},
	{check: {command: 'flex'}, package: 'flex', why: 'Kconfig'},
	{check: {command: 'bison'}, package: 'bison', why: 'Kconfig'},
	{check: {command: 'bc'}, package: 'bc', why: 'kernel build'},
	{check: {file: '/usr/include/openssl/ssl.h'}, package: 'libssl-dev', why: 'kernel host tools'},
	{check: {file: '/usr/include/libelf.h'}, package: 'libelf-dev', why: 'kernel host tools'},
	{check: {command: 'ccache'}, package: 'ccache', why: 'compiler cache'},
	{check: {command: 'qemu-system-arm'}, package: 'qemu-system-arm', why: 'emulator'},
	{check: {command: 'qemu-img'}, package: 'qemu-utils', why: 'qemu-img: guest disk images and snapshots'},
	{check: {command: 'depmod'}, package: 'kmod', why: 'module index for the guest image'},
	{check: {command: 'dpkg-deb'}, package: 'dpkg', why: 'unpack guest packages'},
	{check: {command: 'xz'}, package: 'xz-utils', why: 'kernel source tarball'},
	{check: {command: 'tar'}, package: 'tar', why: 'kernel source tarball'},
	{check: {file: '/usr/src/linux-source-6.1.tar.xz'}, package: 'linux-source-6.1', why: 'kernel source'},
	// The report's own checks (npm test): the page in a real browser, the KTAP through kunit.py, the JUnit against its schema.
	{check: {command: 'chromium'}, package: 'chromium', why: 'report.html layout check (headless)'},
	{check: {command: 'python3'}, package: 'python3', why: "kunit.py parse of report.ktap"},
	{check: {command: 'xmllint'}, package: 'libxml2-utils', why: 'junit.xml schema check'},
];

// Guest userspace: Debian armhf packages unpacked into the initramfs (see images/packages.txt).
export const guestArch = 'armhf';
