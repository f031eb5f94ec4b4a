import {mkdir, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import test from 'ava';
import {fetchedDir, readFetched, type FetchedPackage} from '../../../harness/build/fetched-source.ts';
import {kernelDef} from '../../../harness/build/kernels.ts';
import {tempDir} from '../../_temp.ts';

const fetched: FetchedPackage = {
	package: 'linux-source-7.3', suite: 'trixie-backports', version: '7.3.4-1~bpo13+1', debSize: 166780612,
	debSha256: '703e369ddd4cce971452f5a593ee55df3a5c10c83caf0fa0df039633ed181ee3', tarball: 'linux-source-7.3.tar.xz',
	tarballSha256: '76df1affb19f24926949369be1d74b60071c963c598ce8780bddd4bbf0fc3bc4', mirrors: ['http://mirror.example.org/debian'],
	downloadSeconds: 1.6, unpackSeconds: 1,
};

test('readFetched: what a completed fetch recorded (no network, no rehash), under <cache>/src/fetched-<package>', async t => {
	const dir = await tempDir(t, 'fetched');
	const entry = fetchedDir(dir, kernelDef('7.3'));
	t.is(entry, join(dir, 'src', 'fetched-linux-source-7.3'));
	await mkdir(entry, {recursive: true});
	await writeFile(join(entry, 'fetched.json'), JSON.stringify(fetched));
	t.is(await readFetched(dir, kernelDef('7.3')), undefined, 'not completed: no marker');
	await writeFile(join(entry, '.kplug-complete'), '{}');
	t.deepEqual(await readFetched(dir, kernelDef('7.3')), fetched);
});

test('readFetched: a malformed record is no record (the package is fetched again), never a cast', async t => {
	const dir = await tempDir(t, 'fetched');
	const entry = fetchedDir(dir, kernelDef('6.12'));
	await mkdir(entry, {recursive: true});
	await writeFile(join(entry, '.kplug-complete'), '{}');
	for (const text of ['not json', JSON.stringify({...fetched, tarballSha256: 'short'}), JSON.stringify({...fetched, version: 7})]) {
		await writeFile(join(entry, 'fetched.json'), text);
		t.is(await readFetched(dir, kernelDef('6.12')), undefined, text.slice(0, 40));
	}
});
