import {mkdir, readFile, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import test from 'ava';
import {debianSources, hostDebianSources, osCodename, parseDeb822Sources, parseOneLineSources, readHostSources, swappedSourcesList} from '../../../harness/setup/apt-sources.ts';
import {SetupError} from '../../../harness/util/errors.ts';
import {repoPath} from '../../../harness/util/paths.ts';
import {tempDir} from '../../_temp.ts';

const keyring = '/usr/share/keyrings/debian-archive-keyring.gpg';
const fixture = async (name: string): Promise<{path: string; text: string}> => ({path: name, text: await readFile(repoPath('test/fixtures/apt', name), 'utf8')});

test('deb822: a Debian 12 debian.sources (main and security stanzas, comments inside)', async t => {
	const sources = parseDeb822Sources(await fixture('debian.sources'));
	t.deepEqual(sources, [
		{uris: ['http://deb.debian.org/debian'], suites: ['bookworm', 'bookworm-updates'], components: ['main'], signedBy: keyring, from: 'debian.sources:1'},
		{uris: ['http://deb.debian.org/debian-security'], suites: ['bookworm-security'], components: ['main'], signedBy: keyring, from: 'debian.sources:8'},
	]);
	// Security is not where linux-source lives.
	t.deepEqual(debianSources(sources, 'bookworm').map(s => s.uris), [['http://deb.debian.org/debian']]);
});

test('deb822: multi-line URIs, deb-src-only and disabled stanzas, another vendor', async t => {
	const sources = parseDeb822Sources(await fixture('mirrors.sources'));
	t.deepEqual(sources.map(s => s.uris), [['https://mirror.example.org/debian/', 'http://ftp.example.net/debian'], ['https://deb.nodesource.com/node_20.x']]);
	t.deepEqual(sources[0]?.components, ['main', 'contrib', 'non-free-firmware']);
	const debian = debianSources(sources, 'bookworm');
	t.is(debian.length, 1);
	t.is(swappedSourcesList(debian, 'trixie', keyring), [
		`deb [signed-by=${keyring}] https://mirror.example.org/debian/ trixie main`,
		`deb [signed-by=${keyring}] http://ftp.example.net/debian trixie main`,
		'',
	].join('\n'));
});

test('one-line .list: options, comments, deb-src, security and other suites', async t => {
	const sources = parseOneLineSources(await fixture('sources.list'));
	t.deepEqual(sources.map(s => `${s.uris[0]} ${s.suites[0]} ${s.components.join(',')}${s.signedBy ? ` ${s.signedBy}` : ''} @${s.from}`), [
		'http://mirror.example.org/debian/ bookworm main,non-free-firmware @sources.list:2',
		'http://security.example.org/debian-security bookworm-security main,non-free-firmware @sources.list:5',
		'http://local.example.org/debian bookworm-updates main /etc/apt/keyrings/local.gpg @sources.list:6',
		'http://mirror.example.org/debian/ bookworm-updates main,non-free-firmware @sources.list:7',
		'https://packages.cloud.google.com/apt cloud-sdk-bookworm main @sources.list:9',
	]);
	// The suite is swapped, each mirror once, the host's keyring kept where it names one, main only.
	t.is(swappedSourcesList(debianSources(sources, 'bookworm'), 'trixie-backports', keyring), [
		`deb [signed-by=${keyring}] http://mirror.example.org/debian/ trixie-backports main`,
		'deb [signed-by=/etc/apt/keyrings/local.gpg] http://local.example.org/debian trixie-backports main',
		'',
	].join('\n'));
});

test('debianSources: only the host release (and its -updates/-backports), never a mirror of another codename', t => {
	const s = (suite: string) => ({uris: [`http://x/${suite}`], suites: [suite], components: ['main'], from: 'f'});
	t.deepEqual(debianSources([s('bookworm'), s('bookworm-backports'), s('bullseye'), s('bookworm-security'), s('sid')], 'bookworm').map(x => x.suites[0]), ['bookworm', 'bookworm-backports']);
	t.deepEqual(debianSources([s('bookworm')], 'trixie'), []);
});

test('osCodename reads VERSION_CODENAME (quoted or not)', t => {
	t.is(osCodename('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n'), 'bookworm');
	t.is(osCodename('VERSION_CODENAME="trixie"\n'), 'trixie');
	t.is(osCodename('ID=debian\n'), undefined);
});

async function etcApt(t: import('ava').ExecutionContext, files: Record<string, string>): Promise<string> {
	const dir = await tempDir(t, 'etc-apt');
	await mkdir(join(dir, 'sources.list.d'));
	for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
	await writeFile(join(dir, 'os-release'), 'VERSION_CODENAME=bookworm\n');
	return dir;
}

test('readHostSources: sources.list and sources.list.d/*.list and *.sources, nothing else', async t => {
	const dir = await etcApt(t, {
		'sources.list': 'deb http://one.example/debian bookworm main\n',
		'sources.list.d/debian.sources': (await fixture('debian.sources')).text,
		'sources.list.d/old.list.disabled-by-farm': 'deb http://disabled.example/debian bookworm main\n',
		'sources.list.d/extra.list': 'deb http://two.example/debian bookworm-backports main\n',
	});
	const uris = (await readHostSources(dir)).map(s => s.uris[0]);
	t.deepEqual(uris, ['http://one.example/debian', 'http://deb.debian.org/debian', 'http://deb.debian.org/debian-security', 'http://two.example/debian']);
	t.deepEqual((await hostDebianSources(dir, join(dir, 'os-release'))).map(s => s.uris[0]), ['http://one.example/debian', 'http://deb.debian.org/debian', 'http://two.example/debian']);
});

test('hostDebianSources: no Debian mirror for the host release is one SetupError naming the files', async t => {
	const dir = await etcApt(t, {'sources.list.d/vendor.list': 'deb https://packages.cloud.google.com/apt cloud-sdk-bookworm main\n'});
	const error = await t.throwsAsync(hostDebianSources(dir, join(dir, 'os-release')), {instanceOf: SetupError});
	t.regex(error?.message ?? '', /^no Debian source for bookworm .*sources\.list\.d/);
	t.false(error?.message.includes('\n'));
	await t.throwsAsync(hostDebianSources(dir, join(dir, 'no-os-release')), {instanceOf: SetupError, message: /VERSION_CODENAME/});
});
