import { setTimeout as pause } from 'node:timers/promises';

/**
 * node:sqlite waits for another connection's lock synchronously, on n8n's only thread: every
 * workflow and webhook stands still meanwhile. So one attempt may block for this long at most…
 */
export const BUSY_TIMEOUT_MS = 20;

/** …and between attempts the thread is free; after this long in all, the call gives up. */
export const LOCK_WAIT_LIMIT_MS = 5_000;

const FIRST_PAUSE_MS = 5;
const LONGEST_PAUSE_MS = 100;
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;

/** Another connection holds the lock (SQLITE_BUSY, SQLITE_LOCKED or one of their extended codes). */
export function isBusy(error: unknown): boolean {
	const { code, errcode } = (error ?? {}) as { code?: unknown; errcode?: unknown };
	if (code !== 'ERR_SQLITE_ERROR' || typeof errcode !== 'number') return false;
	// The primary result code is the low byte of an extended one (SQLITE_BUSY_SNAPSHOT is 517).
	const primary = errcode % 256;
	return primary === SQLITE_BUSY || primary === SQLITE_LOCKED;
}

export function lockedError(file: string, cause: unknown): Error {
	return new Error(
		`The SQLite store ${file} is locked by another process: it waited ${LOCK_WAIT_LIMIT_MS / 1000} s for its write lock and gave up, changing nothing. Another program holds a write transaction on that file (a second n8n using the same SQLite File, the sqlite3 shell, a backup tool). Let it finish or close it; give each n8n its own SQLite File, or switch the WhatsApp Cloud API credential's State Store to PostgreSQL for several n8n processes.`,
		{ cause },
	);
}

/**
 * Runs `attempt` until it does not fail with a busy error or `deadline` (epoch ms) has passed,
 * pausing without blocking the thread in between. Only for steps that change nothing when they
 * fail busy: a statement outside a transaction, BEGIN IMMEDIATE, COMMIT (SQLite keeps the
 * transaction open after a busy COMMIT). Any other error is thrown at once.
 */
export async function retryWhileBusy<T>(
	file: string,
	deadline: number,
	attempt: () => T | Promise<T>,
): Promise<T> {
	for (let wait = FIRST_PAUSE_MS; ; wait = Math.min(wait * 2, LONGEST_PAUSE_MS)) {
		try {
			return await attempt();
		} catch (error) {
			if (!isBusy(error)) throw error;
			if (Date.now() + wait > deadline) throw lockedError(file, error);
			// A backoff between attempts, not a wait for an event: nothing announces a released lock.
			await pause(wait);
		}
	}
}
