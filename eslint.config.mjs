import { configWithoutCloudSupport } from '@n8n/node-cli/eslint';

// The package targets self-hosted n8n (an embedded database file and a PostgreSQL driver), so it
// uses n8n's community-node rules without the n8n Cloud restrictions.
// Scratch folders, the pinned n8n runtime and the sandbox's data are not the project's sources.
export default [
	{ ignores: ['.cache/**', '.sandbox/**', '.scratch*/**', 'test-artifacts/**', 'dist/**'] },
	...configWithoutCloudSupport,
	{
		// Self-hosted n8n only (README, first section): the state store needs the PostgreSQL driver
		// `pg` at run time (docs/STORE.md), a dependency n8n Cloud does not allow.
		files: ['package.json'],
		rules: { '@n8n/community-nodes/no-runtime-dependencies': 'off' },
	},
	{
		// The pure core has no n8n imports by design; node shells turn its errors into n8n errors.
		files: ['lib/core/**/*.ts', 'lib/store/**/*.ts'],
		rules: { '@n8n/community-nodes/require-node-api-error': 'off' },
	},
	{
		// Tooling outside the published package (emulator, sandbox, tests, benchmarks) may print.
		files: ['emulator/**/*.ts', 'scripts/**/*.ts', 'bench/**/*.ts', 'test/**/*.ts'],
		rules: {
			'no-console': 'off',
			'@typescript-eslint/no-explicit-any': 'off',
			'@n8n/community-nodes/no-restricted-globals': 'off',
			'@n8n/community-nodes/no-restricted-imports': 'off',
			'@n8n/community-nodes/no-dangerous-functions': 'off',
			'@n8n/community-nodes/require-node-api-error': 'off',
		},
	},
];
