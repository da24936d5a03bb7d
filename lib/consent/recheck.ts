import type { ConsentState, ContactRef, Store } from '../store/types';

/** A reading kept for a message that was about to leave when its group was read. */
interface Reading {
	/** Null when the group's query failed: the message reads again when it asks. */
	state: Promise<ConsentState | null>;
	readAt: number;
}

/** How old a group's reading may be when its message goes out; older ones are read again. */
const RECHECK_MAX_AGE_MS = 1000;

/**
 * Reads a contact's consent at the last moment before a message goes out, so an opt-out recorded
 * while a batch is being sent stops every later message to that contact. Messages announce
 * themselves (`expect`) in the order they will leave; the first one to ask (`read`) reads its own
 * consent and that of the next ones expected, up to `groupSize` in all, in one getConsentMany
 * query. Each of those uses the reading once, and only while it is at most maxAgeMs old (a pause
 * after a throughput error, a retry, a recipient's earlier message still in flight): else it reads
 * again, heading a group of its own. So a message's check is never older than maxAgeMs, and an
 * opt-out stops every message whose group was read after it was recorded.
 */
export class ConsentRecheck<K> {
	/** Messages expected to leave, in that order, whose consent is not read yet. */
	private readonly upcoming = new Map<K, ContactRef>();

	private readonly readings = new Map<K, Reading>();

	/** How many store queries were made. */
	queries = 0;

	constructor(
		private readonly store: Store,
		private readonly account: string,
		private readonly options: { groupSize: number; maxAgeMs?: number; now?: () => number },
	) {}

	/** A message that will leave after the ones expected before it. */
	expect(key: K, contact: ContactRef): void {
		this.upcoming.set(key, contact);
	}

	/** The contact's consent for the message `key`, read at most maxAgeMs ago. */
	async read(key: K, contact: ContactRef): Promise<ConsentState> {
		const now = this.options.now ?? Date.now;
		const reading = this.readings.get(key);
		this.readings.delete(key);
		if (reading && now() - reading.readAt <= (this.options.maxAgeMs ?? RECHECK_MAX_AGE_MS)) {
			const state = await reading.state;
			if (state) return state;
		}
		this.upcoming.delete(key);
		const group: Array<[K, ContactRef]> = [[key, contact]];
		for (const entry of this.upcoming) {
			if (group.length >= this.options.groupSize) break;
			group.push(entry);
		}
		for (const [other] of group.slice(1)) this.upcoming.delete(other);
		this.queries++;
		const states = this.store.getConsentMany(
			this.account,
			group.map(([, ref]) => ref),
		);
		const readAt = now();
		group.slice(1).forEach(([other], k) => {
			this.readings.set(other, {
				state: states.then(
					(all) => all[k + 1],
					() => null,
				),
				readAt,
			});
		});
		const [state] = await states;
		return state;
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
