import test from 'ava';
import {cp, readFile, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {ensureModuleSet, moduleSets} from '../../harness/build/module-sets.ts';
import {ensureKernelSource} from '../../harness/build/source.ts';
import {profileBuild} from '../../harness/subject/guest.ts';
import {ToolFailure} from '../../harness/util/errors.ts';
import {repoPath} from '../../harness/util/paths.ts';
import {testContext} from './_context.ts';
import {tempDir} from '../_temp.ts';

test('a module that does not compile fails with the compiler\'s error lines, and nothing is published', async t => {
	const ctx = testContext();
	const source = await ensureKernelSource(ctx.cacheDir, ctx.progress);
	const build = await profileBuild(ctx, 'thumb2');
	const mainline = moduleSets.find(s => s.name === 'mainline')!;
	const tmp = await tempDir(t, 'broken');
	const dirs: string[] = [];
	for (const dir of mainline.dirs) {
		const copy = join(tmp, dir.replace(/\//g, '_'));
		await cp(repoPath(dir), copy, {recursive: true});
		dirs.push(copy);
	}
	const driver = join(dirs[1]!, 'kplug-x25519.c');
	await writeFile(driver, (await readFile(driver, 'utf8')) + '\nstatic int kplug_broken(void) { return undeclared_kplug_symbol; }\n');
	const error = await t.throwsAsync(ensureModuleSet(ctx, source, build.kernel, {...mainline, name: `broken-${Date.now()}`, dirs}), {instanceOf: ToolFailure});
	t.regex(error.message, /^make failed/);
	t.regex(error.message, /kplug-x25519\.c:\d+:\d+: error: ['‘]undeclared_kplug_symbol['’] undeclared/);
	t.notRegex(error.message, /\n\s+at /, 'no stack trace in the message');
});
