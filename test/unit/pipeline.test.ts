// The folder tree reads as the pipeline and data moves forward: the stages that produce results own their
// types, and nothing before the report (or the CLI on top) reaches forward into it.
import test from 'ava';
import {readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {repoPath} from '../../harness/util/paths.ts';

const harness = repoPath('harness');

// Every "from '../<folder>/…'" of the .ts files directly in a harness folder (and its subfolders).
function importsOf(folder: string): {file: string; target: string}[] {
	const out: {file: string; target: string}[] = [];
	const walk = (dir: string): void => {
		for (const entry of readdirSync(dir, {withFileTypes: true})) {
			const path = join(dir, entry.name);
			if (entry.isDirectory()) walk(path);
			else if (entry.name.endsWith('.ts')) {
				for (const m of readFileSync(path, 'utf8').matchAll(/from '((?:\.\.\/)+)([a-z-]+)\//g)) {
					// Only imports that leave the harness folder they are in: '../x/' from harness/<folder>/.
					const depth = path.slice(harness.length + 1).split('/').length - 1;
					if (m[1]!.length / 3 === depth) out.push({file: path.slice(harness.length + 1), target: m[2]!});
				}
			}
		}
	};
	walk(join(harness, folder));
	return out;
}

const beforeReport = ['build', 'image', 'vm', 'subject', 'scenarios', 'vectors', 'memory'];

for (const stage of beforeReport) {
	test(`harness/${stage} imports neither report/ nor cli/`, t => {
		const all = importsOf(stage);
		t.true(all.length > 0, `no cross-folder imports found in harness/${stage}: the scan is broken`);
		t.deepEqual(all.filter(i => i.target === 'report' || i.target === 'cli').map(i => `${i.file} → ${i.target}/`), []);
	});
}

test('the scan sees a forward import when there is one (report → scenarios)', t => {
	t.true(importsOf('report').some(i => i.target === 'scenarios'));
});
