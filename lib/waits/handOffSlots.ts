/**
 * How many hand-off POSTs one process has in flight. n8n takes resume POSTs one after another on
 * its event loop: a burst of replies that all POST at once (200 customers answering a campaign)
 * leaves most of them unread past the request's timeout, and a POST given up before n8n read its
 * body resumes nothing (n8n answers 400 to the aborted request, the claim stays in doubt and
 * Meta's redelivery waits for it). Through a few slots n8n answers each POST quickly; a reply
 * that finds no slot before its delivery's budget ends claims nothing and asks Meta to come again.
 *
 * Only the order of POSTs lives here, in the process's memory; which wait is whose stays in the
 * store (the claim), so several processes with their own slots still never resume a wait twice.
 */
import { sleep as n8nSleep } from 'n8n-workflow';

/**
 * The trigger's slots per n8n process: enough to keep n8n's waiting-webhook handling busy, few
 * enough that each POST is answered within a second or so even when hundreds of replies arrive
 * together (n8n 2.41 resumes about 10 executions per second per core with default settings).
 */
export const TRIGGER_HAND_OFFS_IN_FLIGHT = 4;

/** Gives back the slot; calling it again does nothing. */
export type ReleaseSlot = () => void;

export interface HandOffSlotsOptions {
	/** n8n's `sleep` unless given: bounds the wait for a slot (never a timer of our own). */
	sleep?: (ms: number) => Promise<void>;
	now?: () => number;
}

export class HandOffSlots {
	private inFlight = 0;
	private readonly queue: Array<(release: ReleaseSlot) => void> = [];
	private readonly sleep: (ms: number) => Promise<void>;
	private readonly now: () => number;

	constructor(
		readonly limit: number,
		options: HandOffSlotsOptions = {},
	) {
		if (!Number.isInteger(limit) || limit < 1) {
			throw new RangeError(`HandOffSlots limit must be a whole number >= 1, got ${limit}`);
		}
		this.sleep = options.sleep ?? n8nSleep;
		this.now = options.now ?? Date.now;
	}

	/** Waiting for a slot, in order of arrival. */
	get waiting(): number {
		return this.queue.length;
	}

	/**
	 * A slot, first come first served, or null when none freed up before `until` (then nothing
	 * is held and nothing may be POSTed). Without `until`, waits for as long as it takes.
	 */
	async acquire(until?: Date): Promise<ReleaseSlot | null> {
		if (this.inFlight < this.limit && this.queue.length === 0) return this.take();
		const remaining = until === undefined ? Infinity : until.getTime() - this.now();
		if (remaining <= 0) return null;
		let granted: ReleaseSlot | null = null;
		let enqueued!: (release: ReleaseSlot) => void;
		const turn = new Promise<ReleaseSlot>((resolve) => {
			enqueued = (release) => {
				granted = release;
				resolve(release);
			};
			this.queue.push(enqueued);
		});
		if (remaining === Infinity) return await turn;
		// A timer's longest delay; a longer one would fire at once.
		const timedOut = this.sleep(Math.min(remaining, 2 ** 31 - 1)).then(() => null);
		const winner = await Promise.race([turn, timedOut]);
		if (winner !== null) return winner;
		// Out of time. A slot handed over at the same moment is passed on, not leaked.
		const index = this.queue.indexOf(enqueued);
		if (index >= 0) this.queue.splice(index, 1);
		(granted as ReleaseSlot | null)?.();
		return null;
	}

	private take(): ReleaseSlot {
		this.inFlight++;
		let released = false;
		return () => {
			if (released) return;
			released = true;
			this.inFlight--;
			const next = this.queue.shift();
			if (next) next(this.take());
		};
	}
}
