import test from 'ava';
import {plainMakeRuns} from '../../../harness/bench/cold-build.ts';

test('plain make: olddefconfig on the copied .config, then the same targets as kplug, with the same ccache wrapper', t => {
	const runs = plainMakeRuns({source: '/src/linux', outDir: '/tmp/plain', jobs: 2, crossCompile: 'arm-linux-gnueabihf-', useCcache: true});
	t.is(runs.length, 2);
	t.deepEqual(runs.map(r => r.slice(-2)), [['-j2', 'olddefconfig'], ['zImage', 'modules']]);
	for (const argv of runs) {
		t.true(argv.includes('O=/tmp/plain'));
		t.true(argv.includes('CC=ccache arm-linux-gnueabihf-gcc'));
		t.false(argv.some(a => a.startsWith('KCONFIG_ALLCONFIG')));
	}
});
