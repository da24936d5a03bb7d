import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';

import type { PostgresStoreConfig } from '../config';

/**
 * pg's `ssl` option for the credential's SSL mode. pg itself sets the TLS server name to the host
 * (not for an IP address, where Node checks the certificate's IP entries instead), so
 * `rejectUnauthorized` is a full check: chain to a trusted CA and a certificate naming the host.
 */
export function pgSslOptions(
	config: Pick<PostgresStoreConfig, 'host' | 'ssl' | 'sslCa'>,
): false | ConnectionOptions {
	const mode =
		config.ssl === 'auto' ? (isLocalHost(config.host) ? 'disable' : 'verify-full') : config.ssl;
	if (mode === 'disable') return false;
	if (mode === 'require') return { rejectUnauthorized: false };
	return config.sslCa
		? { rejectUnauthorized: true, ca: config.sslCa }
		: { rejectUnauthorized: true };
}

/** A unix socket folder or a loopback address: traffic that never leaves this machine. */
export function isLocalHost(host: string): boolean {
	if (host.startsWith('/')) return true;
	const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
	if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
	if (isIP(bare) === 4) return bare.startsWith('127.');
	if (isIP(bare) === 6) return bare === '::1' || /^::ffff:127\./.test(bare);
	return false;
}
