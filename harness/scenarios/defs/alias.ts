import type {Scenario} from '../types.ts';

// The crypto alias both arch modules carry (MODULE_ALIAS_CRYPTO("curve25519") in the in-tree glue).
export const archAlias = 'crypto-curve25519';

export const alias: Scenario = {
	id: 'alias',
	title: 'modprobe by alias',
	description: `modprobe ${archAlias} (recording what kmod resolves it to), then modprobe the driver.`,
	withArch: true,
	files: [],
	append: [],
	steps: [
		{kind: 'modprobe-alias', alias: archAlias},
		{kind: 'modprobe', module: 'driver'},
	],
};

export const aliasBlacklist: Scenario = {
	id: 'alias-blacklist',
	title: 'modprobe by alias, arch module blacklisted',
	description:
		`\`blacklist curve25519_neon\` in /etc/modprobe.d/, then modprobe ${archAlias} (blacklist applies to alias lookups), ` +
		'then modprobe the driver (blacklist does not apply to dependencies): both halves of modprobe\'s blacklist semantics.',
	withArch: true,
	files: [{path: '/etc/modprobe.d/kplug-blacklist.conf', content: 'blacklist curve25519_neon\n'}],
	append: [],
	steps: [
		{kind: 'modprobe-alias', alias: archAlias},
		{kind: 'modprobe', module: 'driver'},
	],
};
