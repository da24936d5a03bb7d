/**
 * The rates one receiver of the inbound scenario is offered: coarse steps rising by `factor` from
 * `start` until a step is not sustained, then finer steps (by `fineFactor`) from the last
 * sustained rate up to just below the failed one, until one fails. Kept apart from the sending so
 * that several receivers can climb their ladders in turns.
 */
export class RateLadder {
	private rate: number;
	private lastSustained: number | null = null;
	private failedAt: number | null = null;
	private fine = false;
	private done = false;

	constructor(
		start: number,
		private readonly factor: number,
		private readonly fineFactor: number,
	) {
		this.rate = start;
	}

	/** The rate to offer next; null when this receiver's ladder has ended. */
	next(): number | null {
		return this.done ? null : this.rate;
	}

	/** What the step at next() showed. */
	record(sustained: boolean): void {
		if (this.done) throw new Error('the ladder has ended: no step was due');
		if (!this.fine) {
			if (sustained) {
				this.lastSustained = this.rate;
				this.rate *= this.factor;
				return;
			}
			this.failedAt = this.rate;
			if (this.lastSustained === null) {
				this.done = true;
				return;
			}
			// The coarse steps bracket the limit; finer ones between them tell 0.9× from 0.8×.
			this.fine = true;
			this.rate = this.lastSustained * this.fineFactor;
		} else if (sustained) {
			this.rate *= this.fineFactor;
		} else {
			this.done = true;
			return;
		}
		if (this.rate >= (this.failedAt ?? Infinity) / Math.sqrt(this.fineFactor)) this.done = true;
	}

	/** Ends the ladder early (its receiver's delivery budget is spent). */
	stop(): void {
		this.done = true;
	}
}
