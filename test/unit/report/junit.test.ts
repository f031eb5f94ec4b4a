import test from 'ava';
import {renderJunit} from '../../../harness/report/junit.ts';
import {checkXml, type XmlElement} from './_well-formed.ts';
import {sampleReport} from './_sample-report.ts';

function parse(xml: string): XmlElement[] {
	const {problems, elements} = checkXml(xml);
	if (problems.length > 0) throw new Error(`junit.xml is not well-formed:\n${problems.join('\n')}`);
	return elements;
}

test('well-formed, with the right testcase, failure, error and skipped counts', t => {
	const xml = renderJunit(sampleReport());
	const elements = parse(xml);
	const count = (name: string): number => elements.filter(e => e.name === name).length;
	// 7 cells run + 1 not run, and 2 vector cells × 2 paths; failures: a deviation, a vector mismatch, a flaky cell.
	t.is(count('testcase'), 12);
	t.is(count('failure'), 3);
	t.is(count('error'), 1);
	t.is(count('skipped'), 1);
	t.deepEqual(elements[0]?.attrs, {name: 'kplug', tests: '12', failures: '3', errors: '1', skipped: '1', time: elements[0]?.attrs['time'] ?? ''});
	const suites = elements.filter(e => e.name === 'testsuite').map(e => [e.attrs['name'], e.attrs['tests'], e.attrs['failures'], e.attrs['errors'], e.attrs['skipped']]);
	t.deepEqual(suites, [
		['arch-first', '4', '1', '0', '0'],
		['lib-first', '4', '1', '1', '1'],
		['vectors', '4', '1', '0', '0'],
	]);
});

test('testcases are named kplug.<scenario> and design/profile/cpu; a failing claim is not a failure', t => {
	const xml = renderJunit(sampleReport());
	t.true(xml.includes('<testcase classname="kplug.lib-first" name="mainline/thumb2/neon" time="14.500">'));
	const block = /<testcase classname="kplug\.lib-first" name="mainline\/thumb2\/neon"[\s\S]*?<\/testcase>/.exec(xml)?.[0] ?? '';
	t.false(/<failure|<error/.test(block));
	t.true(block.includes('claim C3: fails — library insmod exit code'));
	t.true(block.includes('step: insmod lib ✗ ENOENT — insmod: ERROR: could not insert module libcurve25519.ko: Unknown symbol in module &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'));
	t.true(xml.includes('<testcase classname="kplug.lib-first" name="mainline/thumb2/noneon" time="0.000">\n      <skipped message="not run"/>'));
	const deviation = /<testcase classname="kplug\.arch-first" name="mainline\/thumb2\/noneon"[\s\S]*?<\/testcase>/.exec(xml)?.[0] ?? '';
	t.regex(deviation, /<failure type="baseline-deviation" [^>]*>- probes\.end\.apiPaths: \[&quot;arch&quot;\]\n\+ probes\.end\.apiPaths: \[&quot;generic&quot;\]<\/failure>/);
	t.regex(xml, /<testcase classname="kplug\.vectors" name="weak\/thumb2\/neon\/api"[^>]*>\s*<failure type="vector-mismatch" message="1 of 40 vectors failed on the api path">wycheproof-17: differing bytes \[0, 31\]/);
	t.regex(xml, /<testcase classname="kplug\.lib-first" name="weak\/thumb2\/noneon"[^>]*>\s*<error type="boot-timeout"/);
});

test('escapes markup and makes control characters and lone surrogates XML-safe', t => {
	const report = sampleReport();
	const cell = report.cells.find(c => c.cellKey === 'mainline/thumb2/neon/lib-first')!;
	cell.steps[1]!.message = 'nul\u0000 bel\u0007 vt\u000b lone\ud800 end\uffff "quoted" & <tag> ]]>';
	cell.claims[2]!.evidence = 'a\u001b[31mred\u001b[0m';
	const xml = renderJunit(report);
	t.deepEqual(checkXml(xml).problems, []);
	t.true(xml.includes('nul\u2400 bel\u2407 vt\u240b lone\ufffd end\ufffd &quot;quoted&quot; &amp; &lt;tag&gt; ]]&gt;'));
	t.false(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(xml));
});

test('a vector cell that could not run is an error; a deviation without a cell still fails', t => {
	const report = sampleReport();
	report.vectors.push({design: 'weak', profile: 'thumb2', cpu: 'noneon', seed: 42, sources: {}, paths: [], archToGenericSpeedRatio: undefined, iterated: [], error: 'driver did not load'});
	report.deviations.push({cellKey: 'weak/thumb2/neon/gone', diff: ['- status: completed', '+ status: missing']});
	const elements = parse(renderJunit(report));
	t.is(elements.filter(e => e.name === 'error').length, 2);
	t.is(elements.filter(e => e.name === 'failure').length, 4);
	t.is(elements[0]?.attrs['tests'], '14');
});

test('an unexplained flake fails its test case; one the baseline explains does not', t => {
	const report = sampleReport();
	const block = (xml: string): string => /<testcase classname="kplug\.lib-first" name="weak\/thumb2\/neon"[\s\S]*?<\/testcase>/.exec(xml)?.[0] ?? '';
	report.flakes = [{cellKey: 'weak/thumb2/neon/lib-first', outcomes: ['generic', 'arch'], counts: [2, 1]}];
	t.regex(block(renderJunit(report)), /<failure type="flaky" message="weak\/thumb2\/neon\/lib-first ended differently across repeats">2×: generic\n1×: arch<\/failure>/);
	report.flakes = [{...report.flakes[0]!, known: 'a kernel race'}];
	const known = block(renderJunit(report));
	t.false(known.includes('<failure'), known);
	t.true(known.includes('ended differently across repeats, each way recorded in the baseline (a kernel race)'));
});

test('a version change is a passing baseline case that says what changed; the deviations still fail', t => {
	const report = sampleReport();
	const before = parse(renderJunit(report));
	report.versionChanges = [{profile: 'thumb2', changed: ['kernel'], diff: ['- kernel: 6.1.176', '+ kernel: 6.1.192']}];
	const xml = renderJunit(report);
	const elements = parse(xml);
	t.is(elements.filter(e => e.name === 'failure').length, before.filter(e => e.name === 'failure').length);
	t.is(Number(elements[0]?.attrs['tests']), Number(before[0]?.attrs['tests']) + 1);
	t.regex(xml, /<testcase classname="kplug\.baseline" name="versions\/thumb2" time="0\.000">\s*<system-out>thumb2: the baseline was recorded with other versions \(kernel\); its cells were compared all the same\n- kernel: 6\.1\.176\n\+ kernel: 6\.1\.192<\/system-out>\s*<\/testcase>/);
});
