/** Two projects: `unit` is the pure core and needs no network; `integration` talks to the emulator
 * over real HTTP and to real SQLite/PostgreSQL databases. */
const transform = {
	'^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.dev.json', isolatedModules: true }],
};

/** @type {import('jest').Config} */
module.exports = {
	projects: [
		{
			displayName: 'unit',
			testEnvironment: 'node',
			transform,
			testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
		},
		{
			displayName: 'integration',
			testEnvironment: 'node',
			transform,
			testMatch: [
				'<rootDir>/test/emulator/**/*.test.ts',
				'<rootDir>/test/store/**/*.test.ts',
				'<rootDir>/test/node/**/*.test.ts',
			],
		},
	],
};
