import type { SuppressionKey } from '../suppressionKey';
import type { SuppressionKeyReport } from '../types';
import { keyedHash } from './contacts';
import type { Db } from './schema';

interface LegacyRow {
	identity_hash: string;
	status: string;
	source: string | null;
	event_at: number;
	recorded_at: number;
}

/**
 * Re-keys the account's records still holding a plain SHA-256 (written before migration 4, or
 * without a key). Each row is moved by a conditional DELETE … RETURNING, so of concurrent
 * processes exactly one moves it; when a keyed record of the same identity exists already, the
 * newer event wins. Safe to repeat: the second time there is nothing left to move.
 */
export async function rekeySuppressions(
	db: Db,
	account: string,
	key: SuppressionKey,
): Promise<SuppressionKeyReport> {
	const t = db.tables;
	const legacy = await db.session.query<{ identity_hash: string }>(
		`SELECT identity_hash FROM ${t.consent_suppressions} WHERE account = $1 AND key_version = 0`,
		[account],
	);
	let rekeyed = 0;
	for (const { identity_hash: plain } of legacy) {
		const [row] = await db.session.query<LegacyRow>(
			`DELETE FROM ${t.consent_suppressions} WHERE account = $1 AND identity_hash = $2 AND key_version = 0
			RETURNING identity_hash, status, source, event_at, recorded_at`,
			[account, plain],
		);
		if (!row) continue;
		await db.session.execute(
			`INSERT INTO ${t.consent_suppressions}
				(account, identity_hash, status, source, event_at, recorded_at, key_version, key_fingerprint)
			VALUES ($1, $2, $3, $4, $5, $6, 1, $7)
			ON CONFLICT (account, identity_hash) DO UPDATE SET
				status = excluded.status, source = excluded.source, event_at = excluded.event_at
			WHERE excluded.event_at > consent_suppressions.event_at`,
			[
				account,
				keyedHash(key, plain),
				row.status,
				row.source,
				Number(row.event_at),
				Number(row.recorded_at),
				key.fingerprint,
			],
		);
		rekeyed++;
	}
	const [other] = await db.session.query<{ count: number }>(
		`SELECT COUNT(*) AS count FROM ${t.consent_suppressions}
		WHERE account = $1 AND key_version = 1 AND key_fingerprint <> $2`,
		[account, key.fingerprint],
	);
	return { rekeyed, otherKeyRecords: Number(other.count) };
}
