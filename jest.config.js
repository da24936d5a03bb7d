/** Projects: `unit` is the pure core and the benchmark's own helpers, loopback at most;
 * `integration` talks to the emulator over real HTTP and to real SQLite/PostgreSQL databases; `e2e`
 * runs the package inside a real, pinned n8n (scripts/harness), one test file at a time
 * (`--runInBand`); `browser` drives the chat page and `npm start` in Debian's Chromium and Firefox. */
const transform = {
	'^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.dev.json', isolatedModules: true }],
};
// The pinned n8n runtime (.cache/, ~3 GB) and the sandbox's data are not the project's modules.
const modulePathIgnorePatterns = ['<rootDir>/.cache/', '<rootDir>/.sandbox/', '<rootDir>/dist/'];

/** @type {import('jest').Config} */
module.exports = {
	projects: [
		{
			displayName: 'unit',
			testEnvironment: 'node',
			transform,
			modulePathIgnorePatterns,
			testMatch: ['<rootDir>/test/unit/**/*.test.ts', '<rootDir>/bench/test/**/*.test.ts'],
		},
		{
			displayName: 'integration',
			testEnvironment: 'node',
			transform,
			modulePathIgnorePatterns,
			// A guard against hangs, not a speed check: a 2-core machine busy with other work (CI, a
			// bench) can take several times the usual 5 s for the suites that race a hundred waits.
			testTimeout: 30_000,
			testMatch: [
				'<rootDir>/test/emulator/**/*.test.ts',
				'<rootDir>/test/store/**/*.test.ts',
				'<rootDir>/test/node/**/*.test.ts',
			],
		},
		{
			// The sandbox chat page in Debian's headless Chromium (installed by the global setup if missing).
			displayName: 'browser',
			testEnvironment: 'node',
			transform,
			modulePathIgnorePatterns,
			testMatch: ['<rootDir>/test/browser/**/*.test.ts'],
			globalSetup: '<rootDir>/test/browser/global-setup.ts',
			setupFilesAfterEnv: ['<rootDir>/test/browser/timeouts.ts'],
		},
		{
			displayName: 'e2e',
			testEnvironment: 'node',
			transform,
			modulePathIgnorePatterns,
			testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
			globalSetup: '<rootDir>/test/e2e/global-setup.ts',
			setupFilesAfterEnv: ['<rootDir>/test/e2e/setup.ts'],
		},
	],
};
