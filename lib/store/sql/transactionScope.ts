import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Knows whether the current async call chain is inside one of this backend's transactions, so a
 * call on the outer store from inside `transaction(fn)` fails loudly instead of deadlocking
 * (SQLite: the connection is held) or silently running outside the transaction (PostgreSQL).
 */
export class TransactionScope {
	private readonly current = new AsyncLocalStorage<{ open: boolean }>();

	async runInside<T>(fn: () => Promise<T>): Promise<T> {
		const marker = { open: true };
		try {
			return await this.current.run(marker, fn);
		} finally {
			marker.open = false;
		}
	}

	assertOutside(): void {
		if (this.current.getStore()?.open) {
			throw new Error(
				'The store was called directly inside store.transaction(fn). Use the tx argument passed to fn for every store call in the transaction.',
			);
		}
	}
}
