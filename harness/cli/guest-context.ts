// The build context of a command that boots guests (run, start, vectors, memory, boot, shell): host setup runs here,
// once, before any guest work, and its guest packages go into the context. Booting never runs setup on its own.
import {buildContext, type BuildContext} from '../build/context.ts';
import {runSetup} from '../setup/setup.ts';
import type {ParsedArgs} from './command.ts';

export async function guestContext(args: Pick<ParsedArgs, 'cacheDir' | 'progress' | 'signal'>): Promise<BuildContext> {
	const setup = await runSetup(args.cacheDir, args.progress);
	return {...buildContext(args.cacheDir, args.progress, args.signal), guestDebs: setup.guestDebs};
}
