import type { OutboundMessageInput, Store } from '../store/types';

/**
 * Logs a message Meta accepted. The message is already on its way, so a store failure must not
 * fail (and invite a resend of) the item: the caller shows the returned problem on the item.
 */
export async function logAcceptedMessage(
	store: Store,
	message: OutboundMessageInput,
): Promise<string | null> {
	try {
		await store.logOutbound(message);
		return null;
	} catch (error) {
		return `The message was sent but not written to the message log: ${(error as Error).message}`;
	}
}

interface LogEntry {
	message: OutboundMessageInput;
	/** Called when the message could not be logged, with what the item should show. */
	onProblem: (problem: string) => void;
}

/**
 * The send node's message log, written in batches: one transaction per `batchSize` accepted
 * messages instead of one commit per message. A batch is written when it fills, when a message
 * comes `maxDelayMs` or more after the last write began (so at a low rate every message is written
 * at once, and at a high rate a message waits about that long at most while sending goes on: the
 * trigger finds it when Meta's status webhooks come), and by `flush`, which the caller must await
 * before it returns or throws (nothing buffered survives the process). Writes run one after
 * another, in the order the messages were accepted.
 */
export class OutboundLogBatch {
	private entries: LogEntry[] = [];

	private writing: Promise<void> = Promise.resolve();

	/** How many batches were written (store calls); for tests and benchmarks. */
	batches = 0;

	private lastWriteAt = Number.NEGATIVE_INFINITY;

	constructor(
		private readonly store: Store,
		private readonly batchSize: number,
		private readonly maxDelayMs: number = Number.POSITIVE_INFINITY,
		private readonly now: () => number = Date.now,
	) {}

	add(message: OutboundMessageInput, onProblem: (problem: string) => void): void {
		this.entries.push({ message, onProblem });
		const due =
			Number.isFinite(this.maxDelayMs) && this.now() - this.lastWriteAt >= this.maxDelayMs;
		if (this.entries.length >= this.batchSize || due) {
			this.writeBuffered();
		}
	}

	/** Writes what is buffered and waits for every write so far. */
	async flush(): Promise<void> {
		if (this.entries.length > 0) this.writeBuffered();
		await this.writing;
	}

	private writeBuffered(): void {
		const batch = this.entries;
		this.entries = [];
		this.lastWriteAt = this.now();
		this.writing = this.writing.then(async () => await this.write(batch));
	}

	private async write(batch: LogEntry[]): Promise<void> {
		this.batches++;
		try {
			await this.store.logOutboundMany(batch.map((entry) => entry.message));
		} catch {
			// The batch was rolled back: log its messages one by one, so one message the store
			// refuses (or a store that is down) marks only the items it concerns.
			for (const entry of batch) {
				const problem = await logAcceptedMessage(this.store, entry.message);
				if (problem) entry.onProblem(problem);
			}
		}
	}
}
