import {createHash} from 'node:crypto';
import {readdir, readFile, symlink, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import test from 'ava';
import {aptUpdate} from '../../../harness/setup/apt.ts';
import {
	classifyUpdateOutput, downloadedDebName, parseIndexRecord, privateApt, privateAptFiles, privateAptOptions, privateDownloadArgs,
	privateIndexRecord, privateShowArgs, privateUpdateArgs, updatePrivateIndexes, verifyDownloaded, writePrivateApt,
} from '../../../harness/setup/private-apt.ts';
import {KplugError, SetupError} from '../../../harness/util/errors.ts';
import {repoPath} from '../../../harness/util/paths.ts';
import {tempDir} from '../../_temp.ts';

const apt = privateApt('/cache', 'trixie-backports', 'amd64', true);
const record = (): Promise<string> => readFile(repoPath('test/fixtures/apt/linux-source-7.3.record'), 'utf8');

test('privateAptOptions: sources, parts, preferences, state, lists and archives all under <cache>/apt/<suite>', t => {
	const options = privateAptOptions(apt);
	t.deepEqual(options.filter((_, i) => i % 2 === 0), Array(options.length / 2).fill('-o'));
	t.deepEqual(options.filter((_, i) => i % 2 === 1), [
		'Dir::Etc::SourceList=/cache/apt/trixie-backports/sources.list',
		'Dir::Etc::SourceParts=/cache/apt/trixie-backports/sources.list.d',
		'Dir::Etc::Preferences=/cache/apt/trixie-backports/preferences',
		'Dir::Etc::PreferencesParts=/cache/apt/trixie-backports/preferences.d',
		'Dir::State=/cache/apt/trixie-backports',
		'Dir::State::Lists=/cache/apt/trixie-backports/lists',
		'Dir::State::status=/cache/apt/trixie-backports/status',
		'Dir::Cache=/cache/apt/trixie-backports/cache',
		'Dir::Cache::Archives=/cache/apt/trixie-backports/archives',
		'APT::Architectures=amd64',
		'Acquire::Languages=none',
		'APT::Sandbox::User=root',
	]);
	// Nothing points at the host's state; only root skips the _apt sandbox.
	t.false(options.some(o => o.includes('/var/') || o.includes('/etc/apt')));
	t.false(privateAptOptions({...apt, asRoot: false}).includes('APT::Sandbox::User=root'));
});

test('update, show and download argv: the private options first, then the verb', t => {
	const options = privateAptOptions(apt);
	t.deepEqual(privateUpdateArgs(apt), [...options, 'update']);
	t.deepEqual(privateShowArgs(apt, 'linux-source-7.3'), [...options, 'show', '--no-all-versions', 'linux-source-7.3']);
	t.deepEqual(privateDownloadArgs(apt, 'linux-source-7.3', '7.3.4-1~bpo13+1'), [...options, 'download', 'linux-source-7.3=7.3.4-1~bpo13+1']);
});

test('privateAptFiles and writePrivateApt: its own sources list, empty status and parts, lists and archives folders', async t => {
	const dir = await tempDir(t, 'apt');
	const list = 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://mirror.example.org/debian trixie main\n';
	t.deepEqual(privateAptFiles(list).files, {'sources.list': list, status: ''});
	const mine = privateApt(dir, 'trixie', 'amd64', false);
	await writePrivateApt(mine, list);
	t.is(await readFile(join(mine.dir, 'sources.list'), 'utf8'), list);
	t.is(await readFile(join(mine.dir, 'status'), 'utf8'), '');
	t.deepEqual((await readdir(mine.dir)).sort(), ['archives', 'cache', 'debs', 'lists', 'preferences.d', 'sources.list', 'sources.list.d', 'status']);
	t.deepEqual(await readdir(join(mine.dir, 'sources.list.d')), []);
	t.deepEqual(await readdir(join(mine.dir, 'lists')), ['partial']);
});

test('parseIndexRecord: version, size and SHA256 of a real linux-source record; a record without SHA256 is refused', async t => {
	const text = await record();
	t.deepEqual(parseIndexRecord(text), {
		package: 'linux-source-7.3', version: '7.3.4-1~bpo13+1', architecture: 'all', size: 166780612,
		sha256: '703e369ddd4cce971452f5a593ee55df3a5c10c83caf0fa0df039633ed181ee3', filename: 'pool/main/l/linux/linux-source-7.3_7.3.4-1~bpo13+1_all.deb',
	});
	t.is(parseIndexRecord(text.replace(/^SHA256: .*$/m, '')), undefined);
	t.is(parseIndexRecord(text.replace(/^SHA256: (.*)$/m, 'SHA256: $1ff')), undefined);
	t.is(parseIndexRecord(''), undefined);
});

test('downloadedDebName: apt-get download\'s file name (an epoch colon as %3a)', t => {
	t.is(downloadedDebName({package: 'linux-source-7.3', version: '7.3.4-1~bpo13+1', architecture: 'all'}), 'linux-source-7.3_7.3.4-1~bpo13+1_all.deb');
	t.is(downloadedDebName({package: 'x', version: '1:2.0-1', architecture: 'amd64'}), 'x_1%3a2.0-1_amd64.deb');
});

test('classifyUpdateOutput sorts what apt-get update said', t => {
	const sync = classifyUpdateOutput('E: Failed to fetch http://m/debian/dists/trixie/main/binary-amd64/Packages.xz  File has unexpected size (1 != 2). Mirror sync in progress? [IP: 192.0.2.1 80]\nE: Some index files failed to download. They have been ignored, or old ones used instead.');
	t.is(sync.syncInProgress.length, 1);
	t.deepEqual(sync.other, []);
	t.is(classifyUpdateOutput("E: The repository 'http://m/debian trixie-nope Release' does not have a Release file.").missingSuite.length, 1);
	t.is(classifyUpdateOutput('W: GPG error: http://m/debian trixie InRelease: The following signatures couldn\'t be verified because the public key is not available: NO_PUBKEY 6ED0E7B82643E131').unverified.length, 1);
	t.deepEqual(classifyUpdateOutput('Hit:1 http://m/debian trixie InRelease\nReading package lists...'), {syncInProgress: [], missingSuite: [], unverified: [], other: []});
});

// A fake apt-get/apt-cache on PATH that answers call N as the Nth word of the plan (test/fixtures/fake-apt-get.sh).
async function fakeApt(t: import('ava').ExecutionContext, plan: string): Promise<{dir: string; calls: () => Promise<number>}> {
	const dir = await tempDir(t, 'fake-apt');
	for (const tool of ['apt-get', 'apt-cache']) await symlink(repoPath('test/fixtures/fake-apt-get.sh'), join(dir, tool));
	await writeFile(join(dir, 'record'), await record());
	const saved = {...process.env};
	Object.assign(process.env, {PATH: `${dir}:${process.env['PATH']}`, FAKE_APT_PLAN: plan, FAKE_APT_STATE: join(dir, 'state'), FAKE_APT_RECORD: join(dir, 'record')});
	t.teardown(() => {
		for (const key of ['PATH', 'FAKE_APT_PLAN', 'FAKE_APT_STATE', 'FAKE_APT_RECORD']) {
			if (saved[key] === undefined) delete process.env[key];
			else process.env[key] = saved[key];
		}
	});
	return {dir, calls: async () => Number((await readFile(join(dir, 'state'), 'utf8').catch(() => '0')).trim())};
}

test.serial('update: a mirror mid-sync is retried once, and a clean second answer is no warning', async t => {
	const fake = await fakeApt(t, 'sync ok');
	t.is(await updatePrivateIndexes(apt, {retryDelayMs: 1}), undefined);
	t.is(await fake.calls(), 2);
	t.deepEqual((await readFile(join(fake.dir, 'state.argv.1'), 'utf8')).trim().split('\n'), privateUpdateArgs(apt));
});

test.serial('update: still mid-sync after the retry is one warning line, not a failure', async t => {
	const fake = await fakeApt(t, 'sync sync ok');
	const warning = await updatePrivateIndexes(apt, {retryDelayMs: 1});
	t.regex(warning ?? '', /^apt index for trixie-backports still failing after a retry \(mirror sync in progress\?\): E: Failed to fetch .*unexpected size/);
	t.false(warning?.includes('\n'));
	t.is(await fake.calls(), 2);
});

test.serial('update: a missing suite is one SetupError line, without a retry', async t => {
	const fake = await fakeApt(t, 'missing ok');
	const error = await t.throwsAsync(updatePrivateIndexes(apt, {retryDelayMs: 1}), {instanceOf: SetupError});
	t.regex(error?.message ?? '', /^suite trixie-backports is not on the host's Debian mirror \(E: The repository .* does not have a Release file\.\)$/);
	t.is(await fake.calls(), 1);
});

test.serial('update: a Release signed by a key not in the keyring names the keyring', async t => {
	await fakeApt(t, 'nokey');
	const error = await t.throwsAsync(updatePrivateIndexes(apt, {retryDelayMs: 1, keyrings: ['/usr/share/keyrings/debian-archive-keyring.gpg']}), {instanceOf: SetupError});
	t.regex(error?.message ?? '', /not signed by a key in \/usr\/share\/keyrings\/debian-archive-keyring\.gpg \(W: GPG error: .*NO_PUBKEY 6ED0E7B82643E131\)/);
});

test.serial('update: any other failure is a KplugError with apt\'s line', async t => {
	await fakeApt(t, 'fail');
	await t.throwsAsync(updatePrivateIndexes(apt, {retryDelayMs: 1}), {instanceOf: KplugError, message: /^apt-get update for trixie-backports failed \(exit 100\): E: Could not get lock/});
});

test.serial('privateIndexRecord: the candidate record through apt-cache show; no record names package and suite', async t => {
	await fakeApt(t, 'show fail');
	t.is((await privateIndexRecord(apt, 'linux-source-7.3')).version, '7.3.4-1~bpo13+1');
	await t.throwsAsync(privateIndexRecord(apt, 'linux-source-7.3'), {instanceOf: SetupError, message: /^package linux-source-7\.3 is not in trixie-backports on the host's Debian mirror/});
});

// The host's own apt-get update (setup): the same classification, but nothing in it stops setup.
test.serial('host update: a mirror mid-sync is retried once; a clean second answer is no warning', async t => {
	const fake = await fakeApt(t, 'sync ok');
	t.is(await aptUpdate({retryDelayMs: 1}), undefined);
	t.is(await fake.calls(), 2);
	t.deepEqual((await readFile(join(fake.dir, 'state.argv.1'), 'utf8')).trim().split('\n'), ['update']);
});

test.serial('host update: still mid-sync after the retry, or any other problem, is one warning line', async t => {
	const fake = await fakeApt(t, 'sync sync');
	const warning = await aptUpdate({retryDelayMs: 1});
	t.regex(warning ?? '', /^apt-get update: an index still failing after a retry \(mirror sync in progress\?\), continuing: E: Failed to fetch .*unexpected size/);
	t.false(warning?.includes('\n'));
	t.is(await fake.calls(), 2);
	const other = await fakeApt(t, 'fail');
	t.regex(await aptUpdate({retryDelayMs: 1}) ?? '', /^apt-get update reported a problem \(continuing\): E: Could not get lock/);
	t.is(await other.calls(), 1);
});

test('a foreign architecture (armhf guest packages) gets its own folder and qualified package names', t => {
	const apt = privateApt('/c', 'trixie', 'armhf', false, false);
	t.is(apt.dir, '/c/apt/trixie-armhf');
	const options = privateAptOptions(apt);
	t.true(options.includes('APT::Architectures=armhf'));
	t.deepEqual(privateShowArgs(apt, 'kmod'), [...options, 'show', '--no-all-versions', 'kmod:armhf']);
	t.deepEqual(privateDownloadArgs(apt, 'kmod', '34.2-2'), [...options, 'download', 'kmod:armhf=34.2-2']);
	// The native architecture (source packages, arch all) keeps the suite's folder and plain names.
	const native = privateApt('/c', 'trixie', 'amd64', false);
	t.is(native.dir, '/c/apt/trixie');
	t.deepEqual(privateShowArgs(native, 'linux-source-6.12').slice(-1), ['linux-source-6.12']);
});

test('verifyDownloaded: the .deb the index describes passes; a short or a same-size altered one is removed, with one line naming both sides', async t => {
	const dir = await tempDir(t, 'verify');
	const body = Buffer.from('!<arch>\ndebian-binary   a real .deb would be longer\n');
	const sha256 = createHash('sha256').update(body).digest('hex');
	const armhf = privateApt('/cache', 'trixie', 'armhf', true, false);
	const rec = {package: 'kmod', version: '34.2-2', architecture: 'armhf', size: body.length, sha256, filename: 'pool/main/k/kmod/kmod_34.2-2_armhf.deb'};
	const file = join(dir, 'kmod_34.2-2_armhf.deb');
	await writeFile(file, body);
	t.is(await verifyDownloaded(armhf, rec, file), file);
	// Same size, one byte changed: only the hash tells.
	const altered = Buffer.from(body);
	altered[0] = 0x3f;
	await writeFile(file, altered);
	const error = await t.throwsAsync(verifyDownloaded(armhf, rec, file), {instanceOf: KplugError});
	t.regex(error?.message ?? '', new RegExp(`^kmod 34\\.2-2 \\(trixie armhf\\): the downloaded \\.deb does not match the index \\(${body.length} bytes, sha256 [0-9a-f]{12}; index: ${body.length} bytes, sha256 ${sha256.slice(0, 12)}\\)$`));
	t.deepEqual(await readdir(dir), [], 'the bad file is removed');
	// Short.
	await writeFile(file, body.subarray(1));
	const short = await t.throwsAsync(verifyDownloaded(apt, {...rec, package: 'linux-source-7.3'}, file), {instanceOf: KplugError});
	t.regex(short?.message ?? '', new RegExp(`^linux-source-7\\.3 34\\.2-2 \\(trixie-backports\\): .*\\(${body.length - 1} bytes, sha256 -; index: ${body.length} bytes`));
	// Missing.
	const missing = await t.throwsAsync(verifyDownloaded(armhf, rec, file), {instanceOf: KplugError});
	t.regex(missing?.message ?? '', /\(no bytes, sha256 -;/);
});
