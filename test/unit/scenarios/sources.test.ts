import test, {type ExecutionContext} from 'ava';
import {existsSync, readFileSync} from 'node:fs';
import {cellClaims, claimDefinitions, pairClaims} from '../../../harness/scenarios/claims.ts';
import {normalizeSeed, quoteIsSourced, threadQuotes} from '../../../harness/scenarios/sources.ts';

// The seed message lives in ../shared beside the repository (as in CI). Without it the quote checks
// cannot run: they are skipped with a title that says so, never passed.
const seedUrl = new URL('../../../../shared/seed/000_443af6e86c3af506.txt', import.meta.url);
const seedThere = existsSync(seedUrl);
const seed = seedThere ? readFileSync(seedUrl, 'utf8') : '';
const withSeed = (title: string, fn: (t: ExecutionContext) => void): void => {
	if (seedThere) test(title, fn);
	else test.skip(`${title} (needs ../shared/seed beside the repository)`, fn);
};

withSeed('every claim quotes the seed or the thread verbatim, never an ellipsis', t => {
	for (const claim of [...cellClaims, ...pairClaims]) {
		t.true(quoteIsSourced(claim.source.quote, seed), `${claim.id}: "${claim.source.quote}"`);
		t.false(/…|\.\.\./.test(claim.source.quote), claim.id);
	}
});

withSeed('the check can fail: a paraphrase and a spliced quote are not sourced', t => {
	t.false(quoteIsSourced('load order does not matter', seed));
	t.false(quoteIsSourced('If it does get satisfied, the relocations … point to the arch routine', seed));
	t.true(quoteIsSourced('the cbz instruction at offset 0x10 jumps over the bl call', seed));
});

withSeed('seed normalisation removes mail quoting only', t => {
	t.true(normalizeSeed(seed).includes('may not be loadable on certain systems, or be blacklisted by the user'));
	t.is(normalizeSeed('a > > b\n> c'), 'a b c');
});

test('claims are data: ids unique, sorted, each with statement, who and a scope', t => {
	const ids = claimDefinitions.map(c => c.id);
	t.deepEqual(ids, ['C1', 'C2', 'C3', 'C4', 'C5a', 'C5b', 'C6', 'C7', 'C8']);
	t.is(new Set(ids).size, ids.length);
	for (const c of claimDefinitions) t.regex(c.source, /^(Ard Biesheuvel|Andy Lutomirski): "/, c.id);
	t.is(claimDefinitions.find(c => c.id === 'C6')?.scope, 'pair');
	t.is(threadQuotes.filter(q => q.who === 'Andy Lutomirski').length, 3);
});
