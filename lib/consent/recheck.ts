import type { ConsentState, ContactRef, Store } from '../store/types';

interface PendingRead {
	contact: ContactRef;
	resolve: (state: ConsentState) => void;
	reject: (error: unknown) => void;
}

/**
 * Reads a contact's consent at the last moment before a message goes out, so an opt-out recorded
 * while a batch is being sent stops every later message to that contact. Reads issued together
 * (the same turn of the event loop) share one getConsentMany query.
 */
export class ConsentRecheck {
	private pending: PendingRead[] = [];

	/** How many store queries were made; for tests and benchmarks. */
	queries = 0;

	constructor(
		private readonly store: Store,
		private readonly account: string,
	) {}

	read(contact: ContactRef): Promise<ConsentState> {
		return new Promise((resolve, reject) => {
			this.pending.push({ contact, resolve, reject });
			if (this.pending.length === 1) queueMicrotask(() => void this.flush());
		});
	}

	private async flush(): Promise<void> {
		const batch = this.pending;
		this.pending = [];
		this.queries++;
		try {
			const states = await this.store.getConsentMany(
				this.account,
				batch.map((read) => read.contact),
			);
			batch.forEach((read, index) => read.resolve(states[index]));
		} catch (error) {
			batch.forEach((read) => read.reject(error));
		}
	}
}

/** The last-moment consent check refused a message: the item is reported as skipped, not failed. */
export class ConsentSkip extends Error {
	constructor(
		readonly reason: string,
		readonly state: ConsentState,
	) {
		super(reason);
		this.name = 'ConsentSkip';
	}
}
