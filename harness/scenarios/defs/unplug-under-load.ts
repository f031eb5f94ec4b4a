import type {Scenario} from '../types.ts';

export const unplugUnderLoad: Scenario = {
	id: 'unplug-under-load',
	title: 'unplug the arch module under load',
	description:
		'modprobe the driver, start its caller thread (the library in a loop, every result checked against RFC 7748 §5.2), then ' +
		'remove and insert the arch module up to 100 times (bounded to 90 s) with kmod from the guest shell while it runs; the ' +
		'caller is watched across each transition. Then, with the caller stopped, one more removal; if it goes through, the ' +
		'caller runs again with the arch module absent (at least 20 calls, bounded to 10 s, counted by the kernel too) before the ' +
		'module is inserted again. Counts go to the report; the outcome keeps the timing-free facts.',
	withArch: true,
	files: [],
	append: [],
	steps: [
		{kind: 'modprobe', module: 'driver'},
		{kind: 'unplug-under-load', iterations: 100, seconds: 90},
	],
};
