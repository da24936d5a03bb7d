/**
 * The running n8n's version as its n8n-workflow tells it, or undefined when it cannot be read.
 * n8n releases n8n-workflow with its own major.minor (2.38.0, 2.39.0, 2.40.0 with n8n 2.38–2.40;
 * 2.41.0 with 2.41.1), and n8n exposes no version of its own to nodes. n8n-workflow is a peer
 * dependency that n8n removes when it installs the package, so this is n8n's own copy.
 */
export function runningN8nVersion(): string | undefined {
	try {
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const manifest = require('n8n-workflow/package.json') as { version?: unknown };
		return typeof manifest.version === 'string' ? manifest.version : undefined;
	} catch {
		return undefined;
	}
}
