import { configWithoutCloudSupport } from '@n8n/node-cli/eslint';

// The package targets self-hosted n8n (an embedded database file and a PostgreSQL driver), so it
// uses n8n's community-node rules without the n8n Cloud restrictions.
export default [
	...configWithoutCloudSupport,
	{
		// Tooling outside the published package (emulator, sandbox, tests, benchmarks) may print.
		files: ['emulator/**/*.ts', 'scripts/**/*.ts', 'bench/**/*.ts', 'test/**/*.ts'],
		rules: {
			'no-console': 'off',
			'@n8n/community-nodes/no-restricted-globals': 'off',
			'@n8n/community-nodes/no-restricted-imports': 'off',
		},
	},
];
