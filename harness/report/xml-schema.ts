// Validate an XML file against an XML Schema with libxml2's xmllint (Debian libxml2-utils): junit.xml
// against the schema the repository carries (schemas/junit.xsd), the way a CI server will read it.
import {run} from '../util/exec.ts';
import {repoPath} from '../util/paths.ts';

export const junitSchema = repoPath('schemas/junit.xsd');

// xmllint's argv: no output of the document, only the verdict and the errors.
export function xmllintArgs(schema: string, file: string): string[] {
	return ['--noout', '--nonet', '--schema', schema, file];
}

export interface SchemaCheck {
	valid: boolean;
	// xmllint's error lines ("file:line: element failure: Schemas validity error : …").
	errors: string[];
}

// Check one file; exit code 3/4 from xmllint means invalid or unparsable, not a tool failure.
export async function validateXml(file: string, schema = junitSchema): Promise<SchemaCheck> {
	const result = await run('xmllint', xmllintArgs(schema, file), {okExitCodes: [1, 3, 4], timeoutMs: 60_000});
	const errors = result.stderr.split('\n').filter(l => l.trim() !== '' && !l.endsWith(' validates'));
	return {valid: result.exitCode === 0, errors};
}
