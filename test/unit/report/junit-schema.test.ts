import test from 'ava';
import {writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {renderJunit} from '../../../harness/report/junit.ts';
import {validateXml, xmllintArgs} from '../../../harness/report/xml-schema.ts';
import {haveTool} from '../../../harness/util/exec.ts';
import {recordedReport} from './_recorded-report.ts';
import {sampleReport} from './_sample-report.ts';
import {tempDir, type Teardown} from '../../_temp.ts';

const ready = await haveTool('xmllint');
const xmllint = ready ? test : test.skip;
const why = ready ? '' : ' [skipped: xmllint is not installed; run `npm run kplug -- setup` (apt-get install libxml2-utils)]';

async function check(t: Teardown, xml: string) {
	const dir = await tempDir(t, 'junit');
	const file = join(dir, 'junit.xml');
	await writeFile(file, xml);
	return validateXml(file);
}

test('xmllintArgs: no output, no network, the schema, the file', t => {
	t.deepEqual(xmllintArgs('/s.xsd', '/j.xml'), ['--noout', '--nonet', '--schema', '/s.xsd', '/j.xml']);
});

xmllint(`junit.xml of the sample and of the recorded run validates against schemas/junit.xsd${why}`, async t => {
	for (const report of [sampleReport(), recordedReport()]) {
		const result = await check(t, renderJunit(report));
		t.deepEqual(result, {valid: true, errors: []});
	}
});

const broken = test.macro<[(xml: string) => string, RegExp]>({
	async exec(t, breakIt, error) {
		if (!ready) {
			t.pass();
			return;
		}
		const xml = breakIt(renderJunit(sampleReport()));
		const result = await check(t, xml);
		t.false(result.valid);
		t.true(result.errors.some(e => error.test(e)), result.errors.join('\n'));
	},
	title: (provided = '') => `the schema rejects ${provided}${why}`,
});
test('a failure without a message', broken, xml => xml.replace(/(<failure type="[^"]*") message="[^"]*"/, '$1'), /failure.*message.*required/i);
test('a negative count', broken, xml => xml.replace(/tests="\d+"/, 'tests="-1"'), /tests.*-1/);
test('output before the verdict', broken, xml => xml.replace(/<skipped message="not run"\/>/, '<system-out>x</system-out><skipped message="not run"/>'), /skipped.*not expected/i);
test('a testcase without a name', broken, xml => xml.replace(/(<testcase classname="[^"]*") name="[^"]*"/, '$1'), /name.*required/i);
