// Read a file the user named (--baseline, --file, a shard's report.json): only a regular file, so a FIFO or a device
// (/dev/zero) is refused at once instead of blocking or filling memory. Errors keep their errno code; a path that is
// not a regular file fails with code 'not a regular file'.
import {readFile, stat} from 'node:fs/promises';

export async function readInputFile(path: string): Promise<string> {
	if (path === '') throw Object.assign(new Error('an empty path'), {code: 'an empty path'});
	const info = await stat(path);
	if (!info.isFile()) throw Object.assign(new Error(`${path} is not a regular file`), {code: info.isDirectory() ? 'EISDIR' : 'not a regular file'});
	return readFile(path, 'utf8');
}
