// The words claims may quote: the seed message (../shared/seed, the 2019 linux-crypto thread) and the
// thread messages quoted verbatim in issue 11. A unit test checks every claim's quote against these.

export interface Source {
	who: string;
	where: string;
	quote: string;
}

const thread = 'linux-crypto, "[PATCH v2 00/20] crypto: crypto API library interfaces for WireGuard", Oct 2019';

// Verbatim messages from the thread (other than the seed) that claims may quote.
export const threadQuotes: readonly Source[] = [
	{who: 'Andy Lutomirski', where: thread, quote: "Won't this have the counterintuitive property that, if you load the modules in the opposite order, the reference won't be re-resolved and performance will silently regress?"},
	{who: 'Ard Biesheuvel', where: thread, quote: 'Indeed, the arch module needs to be loaded first'},
	{who: 'Ard Biesheuvel', where: thread, quote: 'Actually, this can be addressed by retaining the module dependencies as before, but permitting the arch module to be omitted at load time.'},
	{who: 'Andy Lutomirski', where: thread, quote: 'I think that, to avoid surprises, you should refuse to load the arch module if the generic module is loaded, too.'},
	{who: 'Andy Lutomirski', where: thread, quote: "I want to avoid a situation where lsmod shows the arch module loaded but the arch code isn't actually executing."},
	{who: 'Ard Biesheuvel', where: thread, quote: 'My goal here is to allow the generic library to be loaded with or without the arch code, with the arch code always being used when it is loaded. This is what I implemented using weak references, but it requires a tweak in the module loader (two lines but not pretty).'},
];

export const seedWhere = 'linux-crypto, Oct 2019 (the seed message, ../shared/seed/000_443af6e86c3af506.txt)';

// The seed's text as a reader sees it: mail quoting ("> ") removed, whitespace collapsed.
export function normalizeSeed(text: string): string {
	return text.replace(/(?:^|\s)(?:>\s*)+/g, ' ').replace(/\s+/g, ' ').trim();
}

// Whether a quote is one the sources hold: a substring of the normalized seed, or of a thread quote.
export function quoteIsSourced(quote: string, seedText: string): boolean {
	const q = quote.replace(/\s+/g, ' ').trim();
	return normalizeSeed(seedText).includes(q) || threadQuotes.some(t => t.quote.includes(q));
}
