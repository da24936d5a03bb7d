/** Something in the emulator the chat page shows has changed; `revision` only grows. */
export type ChangeListener = (revision: number) => void;

/**
 * Tells the chat page's event streams that the emulator's state changed. Bursts (a batch of 1,000
 * sends, a clock jump that runs many status updates) are coalesced into one notification per
 * `coalesceMs`, so the page refetches once instead of a thousand times.
 */
export class ChangeFeed {
	private revisionCount = 0;

	private readonly listeners = new Set<ChangeListener>();

	private timer: NodeJS.Timeout | undefined;

	constructor(private readonly coalesceMs = 25) {}

	get revision(): number {
		return this.revisionCount;
	}

	notify(): void {
		this.revisionCount++;
		if (this.timer || this.listeners.size === 0) return;
		this.timer = setTimeout(() => {
			this.timer = undefined;
			for (const listener of this.listeners) listener(this.revisionCount);
		}, this.coalesceMs);
	}

	/** Returns the function that unsubscribes. */
	subscribe(listener: ChangeListener): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	stop(): void {
		if (this.timer) clearTimeout(this.timer);
		this.timer = undefined;
		this.listeners.clear();
	}
}
