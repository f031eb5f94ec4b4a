// All scenarios, in report order; adding one means adding a file under defs/ and a line here.
import {UsageError} from '../util/errors.ts';
import {alias, aliasBlacklist} from './defs/alias.ts';
import {archFirst} from './defs/arch-first.ts';
import {blacklistCmdlineKernel} from './defs/blacklist-cmdline-kernel.ts';
import {blacklistCmdlineModprobe} from './defs/blacklist-cmdline-modprobe.ts';
import {blacklistInstall} from './defs/blacklist-install.ts';
import {blacklistModprobeD} from './defs/blacklist-modprobe-d.ts';
import {libFirst} from './defs/lib-first.ts';
import {modprobe} from './defs/modprobe.ts';
import {noArch} from './defs/no-arch.ts';
import {rmmod} from './defs/rmmod.ts';
import {runtimeUnplug} from './defs/runtime-unplug.ts';
import {unplugUnderLoad} from './defs/unplug-under-load.ts';
import type {Scenario} from './types.ts';

export const scenarios: readonly Scenario[] = [
	archFirst,
	libFirst,
	noArch,
	modprobe,
	rmmod,
	runtimeUnplug,
	unplugUnderLoad,
	alias,
	blacklistModprobeD,
	aliasBlacklist,
	blacklistInstall,
	blacklistCmdlineModprobe,
	blacklistCmdlineKernel,
];

// Look up a scenario by id; unknown ids list the valid ones.
export function scenario(id: string): Scenario {
	const found = scenarios.find(s => s.id === id);
	if (!found) throw new UsageError(`unknown scenario "${id}" (scenarios: ${scenarios.map(s => s.id).join(', ')})`);
	return found;
}
