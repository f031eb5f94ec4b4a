// A realistic Report for the writer tests: 2 designs × 1 profile × 2 cpus × 2 scenarios, one cell not run.
import type {DesignName} from '../../../harness/subject/designs.ts';
import type {CellResult, ClaimResult, LoadedModule, PathProbe, StepResult, Verdict} from '../../../harness/scenarios/types.ts';
import {reportSchema, type Report} from '../../../harness/report/schema.ts';

export const injected = '<script>alert("x")</script>';

function step(label: string, exitCode = 0, errno?: string, message = ''): StepResult {
	const [kind, role] = label.split(' ');
	return {
		label,
		argv: kind === 'insmod' ? ['insmod', `/lib/modules/6.1.0/kernel/kplug/${role}.ko`] : [kind ?? '', role ?? ''],
		tool: 'kmod',
		exitCode,
		errno,
		message,
		kernelLog: [],
		consoleEvents: [],
	};
}

function probe(archResolved: PathProbe['archResolved'], path: string, total = 8): PathProbe {
	return {label: 'end', driverLoaded: true, archResolved, apiPaths: [path], apiPassed: total, apiTotal: total, genericPassed: total, genericTotal: total, failures: []};
}

function claims(c1: Verdict, c2: Verdict, c3: Verdict): ClaimResult[] {
	return [
		{claim: 'C1', verdict: c1, evidence: 'api path served by generic with the arch module absent or idle'},
		{claim: 'C2', verdict: c2, evidence: 'api path served by arch'},
		{claim: 'C3', verdict: c3, evidence: 'library insmod exit code'},
	];
}

const archFirstModules: LoadedModule[] = [
	{name: 'kplug_x25519', size: 16384, refcount: 0, holders: []},
	{name: 'libcurve25519', size: 12288, refcount: 1, holders: ['kplug_x25519']},
	{name: 'curve25519_neon', size: 12288, refcount: 1, holders: ['libcurve25519']},
	{name: 'libcurve25519_generic', size: 36864, refcount: 2, holders: ['libcurve25519', 'curve25519_neon']},
];

function cellResult(design: DesignName, cpu: string, scenario: string, rest: Partial<CellResult>): CellResult {
	const id = {design, profile: 'thumb2', cpu, scenario};
	const cellKey = `${design}/thumb2/${cpu}/${scenario}`;
	return {
		id,
		cellKey,
		status: 'completed',
		bootMs: 2100,
		durationMs: 14_500,
		cpuFeatures: cpu === 'neon' ? ['half', 'thumb', 'neon', 'vfpv3'] : ['half', 'thumb', 'vfpv3'],
		neonInCpuinfo: cpu === 'neon',
		steps: [],
		modulesAtEnd: [],
		kallsymsArch: {present: false, owner: undefined},
		probes: [],
		tainted: '0',
		kernelLogOfInterest: [],
		logDir: `out/run/cells/${cellKey.replace(/\//g, '__')}`,
		claims: [],
		outcome: {},
		...rest,
	};
}

const archFirstSteps = [step('insmod generic'), step('insmod arch'), step('insmod lib'), step('insmod driver')];

// A fresh sample report (tests may mutate it).
export function sampleReport(): Report {
	const cells: CellResult[] = [
		cellResult('mainline', 'neon', 'arch-first', {
			steps: archFirstSteps,
			modulesAtEnd: archFirstModules,
			kallsymsArch: {present: true, owner: 'curve25519_neon'},
			probes: [probe('strong', 'arch')],
			claims: claims('n/a', 'holds', 'holds'),
		}),
		cellResult('mainline', 'neon', 'lib-first', {
			steps: [
				step('insmod generic'),
				step('insmod lib', 1, 'ENOENT', `insmod: ERROR: could not insert module libcurve25519.ko: Unknown symbol in module ${injected}`),
				step('insmod arch'),
				step('insmod driver', 1, 'ENOENT', 'insmod: ERROR: could not insert module kplug-x25519.ko: Unknown symbol in module'),
			],
			modulesAtEnd: [
				{name: 'curve25519_neon', size: 12288, refcount: 0, holders: []},
				{name: 'libcurve25519_generic', size: 36864, refcount: 1, holders: ['curve25519_neon']},
			],
			kallsymsArch: {present: true, owner: 'curve25519_neon'},
			probes: [{...probe(undefined, 'arch'), driverLoaded: false, apiPaths: [], apiPassed: 0, apiTotal: 0, genericPassed: 0, genericTotal: 0}],
			kernelLogOfInterest: ['libcurve25519: Unknown symbol curve25519_arch (err -2)'],
			claims: claims('n/a', 'n/a', 'fails'),
		}),
		cellResult('mainline', 'noneon', 'arch-first', {
			steps: archFirstSteps,
			modulesAtEnd: archFirstModules,
			kallsymsArch: {present: true, owner: 'curve25519_neon'},
			probes: [probe('strong', 'generic')],
			claims: claims('holds', 'n/a', 'holds'),
		}),
		cellResult('weak', 'neon', 'arch-first', {
			steps: archFirstSteps,
			modulesAtEnd: archFirstModules,
			kallsymsArch: {present: true, owner: 'curve25519_neon'},
			probes: [probe(true, 'arch')],
			claims: claims('n/a', 'holds', 'holds'),
		}),
		cellResult('weak', 'neon', 'lib-first', {
			steps: [step('insmod generic'), step('insmod lib'), step('insmod arch'), step('insmod driver')],
			modulesAtEnd: [
				{name: 'kplug_x25519', size: 16384, refcount: 0, holders: []},
				{name: 'curve25519_neon', size: 12288, refcount: 0, holders: []},
				{name: 'libcurve25519', size: 12288, refcount: 1, holders: ['kplug_x25519']},
				{name: 'libcurve25519_generic', size: 36864, refcount: 2, holders: ['libcurve25519', 'curve25519_neon']},
			],
			kallsymsArch: {present: true, owner: 'curve25519_neon'},
			probes: [probe(false, 'generic')],
			claims: claims('holds', 'n/a', 'holds'),
		}),
		cellResult('weak', 'noneon', 'arch-first', {
			steps: archFirstSteps,
			modulesAtEnd: archFirstModules,
			kallsymsArch: {present: true, owner: 'curve25519_neon'},
			probes: [probe(true, 'generic')],
			claims: claims('holds', 'n/a', 'holds'),
		}),
		cellResult('weak', 'noneon', 'lib-first', {
			status: 'error',
			error: {class: 'boot-timeout', message: 'no ready line from the guest agent within 120000 ms \u001b[0m'},
			durationMs: 120_400,
		}),
	];
	return {
		schema: reportSchema,
		generatedAt: '2025-01-15T10:20:30.000Z',
		kplugVersion: '0.1.0',
		host: {cores: 8, node: 'v20.20.0', qemu: 'QEMU emulator version 8.2.2', emulation: 'TCG'},
		kernel: {sourcePackage: 'linux', sourceVersion: '6.1.119-1', release: '6.1.0-kplug'},
		matrix: {
			designs: ['mainline', 'weak'],
			profiles: ['thumb2'],
			cpus: ['neon', 'noneon'],
			scenarios: [
				{id: 'arch-first', title: 'insmod, arch module before the library', description: 'insmod generic, arch, library, driver.'},
				{id: 'lib-first', title: 'insmod, library before the arch module', description: 'insmod generic, library, arch, driver.'},
			],
		},
		claims: [
			{id: 'C1', text: 'Without a usable arch module the library still works, through the generic code.', source: 'https://lore.kernel.org/linux-crypto/ (Ard Biesheuvel, 2019-10-04)'},
			{id: 'C2', text: 'With the arch module loaded first, library calls reach curve25519_arch.', source: 'the thread'},
			{id: 'C3', text: 'The library loads whatever the insmod order.', source: "kplug's reading of the thread"},
		],
		cells,
		notRun: [{design: 'mainline', profile: 'thumb2', cpu: 'noneon', scenario: 'lib-first'}],
		deviations: [{cellKey: 'mainline/thumb2/noneon/arch-first', diff: ['- probes.end.apiPaths: ["arch"]', '+ probes.end.apiPaths: ["generic"]']}],
		flakes: [{cellKey: 'weak/thumb2/neon/lib-first', outcomes: ['generic', 'generic', 'arch']}],
		vectors: [
			{
				design: 'mainline', profile: 'thumb2', cpu: 'neon', seed: 42, sources: {rfc7748: 3, wycheproof: 30, random: 7},
				paths: [
					{path: 'api', servedBy: ['arch'], total: 40, passed: 40, failed: [], opsPerSecond: 812.4, guestSeconds: 1.2},
					{path: 'generic', servedBy: ['generic'], total: 40, passed: 40, failed: [], opsPerSecond: 265.1, guestSeconds: 3.4},
				],
				archToGenericSpeedRatio: 3.0645, iterated: [{id: 'rfc7748-iter-1000', iterations: 1000, passed: true, path: 'api'}],
			},
			{
				design: 'weak', profile: 'thumb2', cpu: 'neon', seed: 42, sources: {rfc7748: 3, wycheproof: 30, random: 7},
				paths: [
					{
						path: 'api', servedBy: ['arch'], total: 40, passed: 39, opsPerSecond: 790, guestSeconds: 1.3,
						failed: [{id: 'wycheproof-17', expectedHex: '00'.repeat(32), gotHex: '01' + '00'.repeat(30) + 'ff', expectedOk: true, gotOk: true, differingBytes: [0, 31]}],
					},
					{path: 'generic', servedBy: ['generic'], total: 40, passed: 40, failed: [], opsPerSecond: 260, guestSeconds: 3.5},
				],
				archToGenericSpeedRatio: 3.04, iterated: [],
			},
		],
		memory: {
			rows: [
				{design: 'mainline', profile: 'thumb2', cpu: 'neon', situation: 'loaded', archResident: true, archCoreSize: 12288, archVmallocBytes: 16384, archVmallocPages: 4, memAvailableMedianKb: 213052, boots: 5},
				{design: 'mainline', profile: 'thumb2', cpu: 'neon', situation: 'absent', archResident: false, archCoreSize: undefined, archVmallocBytes: undefined, archVmallocPages: undefined, memAvailableMedianKb: 213120, boots: 5},
				{design: 'weak', profile: 'thumb2', cpu: 'neon', situation: 'loaded', archResident: true, archCoreSize: 12352, archVmallocBytes: 16384, archVmallocPages: 4, memAvailableMedianKb: 213040, boots: 5},
			],
			comparisons: [
				{design: 'mainline', profile: 'thumb2', cpu: 'neon', field: 'MemAvailable', medianWithKb: 213052, medianWithoutKb: 213120, differenceKb: -68, noiseFloorKb: 16, aboveNoise: true, statement: 'Loading curve25519_neon costs 68 kB of MemAvailable, above the 16 kB noise floor.'},
				{design: 'weak', profile: 'thumb2', cpu: 'neon', field: 'MemAvailable', medianWithKb: 213040, medianWithoutKb: 213048, differenceKb: -8, noiseFloorKb: 16, aboveNoise: false, statement: 'The 8 kB difference is within the 16 kB noise floor.'},
			],
		},
		timing: {wallSeconds: 412.7, cellMedianSeconds: 14.5, jobs: 4},
	};
}
