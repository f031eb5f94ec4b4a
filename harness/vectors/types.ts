// What the vector job produces per design × profile × CPU (report.json carries it as is).

export interface VectorPathReport {
	path: 'api' | 'generic';
	// Which implementation(s) actually served the api path (arch, generic, arch-entry).
	servedBy: string[];
	total: number;
	passed: number;
	failed: {id: string; expectedHex: string; gotHex: string; expectedOk: boolean; gotOk: boolean; differingBytes: number[]}[];
	opsPerSecond: number;
	guestSeconds: number;
}

export interface VectorCellReport {
	design: string;
	profile: string;
	cpu: string;
	// Absent for the default kernel.
	kernel?: string;
	seed: number;
	sources: Record<string, number>;
	paths: VectorPathReport[];
	// api ops/s divided by generic ops/s (measured under TCG emulation).
	archToGenericSpeedRatio: number | undefined;
	iterated: {id: string; iterations: number; passed: boolean; path: string}[];
	// The rig could not run the cell (VM failure, driver error).
	error?: string;
	// The design's library cannot load in this cell (a finding, not a failure): no path to test.
	unavailable?: string;
	// The kernel's own KUnit suite for the library, where the kernel has one (7.x), run against this design's library.
	kunit?: KunitReport;
}

export interface KunitReport {
	suite: string;
	module: string;
	// The KTAP the suite printed, as the kernel log has it (timestamps removed).
	ktap: string[];
	// kunit.py parse's counts (exitCode 0: nothing failed); absent when there was no KTAP to parse.
	counts?: {total: number; passed: number; failed: number; skipped: number; crashed: number; errors: number; exitCode: number};
	// A module that would not load (the suite then did not run, or not completely).
	loadError?: string;
	// kunit.py parse failed on the KTAP (its first line).
	parseError?: string;
}
