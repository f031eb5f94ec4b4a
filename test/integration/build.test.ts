import test from 'ava';
import {access, readFile} from 'node:fs/promises';
import {join} from 'node:path';
import {buildProfile} from '../../harness/build/build.ts';
import {findMismatches, mergeFragments, parseDotConfig} from '../../harness/build/fragment.ts';
import {configFragments} from '../../harness/build/kernel.ts';
import {kernelDef} from '../../harness/build/kernels.ts';
import {loadProfile} from '../../harness/build/profiles.ts';
import {ensureKernelSource} from '../../harness/build/source.ts';
import {testContext} from './_context.ts';

test('thumb2 builds: zImage, System.map, in-tree and out-of-tree modules, .config honours the fragments', async t => {
	const ctx = testContext();
	const profile = await loadProfile('thumb2');
	const build = await buildProfile(ctx, await ensureKernelSource(ctx.cacheDir, ctx.progress), profile);
	for (const file of [build.kernel.zImage, build.kernel.systemMap, ...Object.values(build.kernel.inTreeModules)]) await t.notThrowsAsync(access(file), file);
	t.deepEqual(Object.keys(build.sets['weak']!.modules).sort(), ['curve25519-neon.ko', 'kplug-x25519.ko', 'libcurve25519.ko']);
	t.deepEqual(Object.keys(build.sets['mainline']!.modules), ['kplug-x25519.ko']);
	const dotConfig = parseDotConfig(await readFile(join(build.kernel.dir, '.config'), 'utf8'));
	t.deepEqual(findMismatches(mergeFragments(await configFragments(kernelDef('6.1'), profile)), dotConfig), []);
	t.is(dotConfig.get('THUMB2_KERNEL'), 'y');
	t.regex(await readFile(build.kernel.systemMap, 'utf8'), / T start_kernel\n/);
});

test('a second build of the same inputs is a cache hit (no make)', async t => {
	const ctx = testContext();
	const source = await ensureKernelSource(ctx.cacheDir, ctx.progress);
	const profile = await loadProfile('thumb2');
	const first = await buildProfile(ctx, source, profile);
	const started = performance.now();
	const second = await buildProfile(ctx, source, profile);
	t.is(second.kernel.dir, first.kernel.dir);
	t.true(performance.now() - started < 5000, 'cache hit should not run make');
});
