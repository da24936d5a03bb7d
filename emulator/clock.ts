/**
 * The emulator's time: real time plus an offset that `POST /_emulator/clock` moves forward, so tests can
 * let 24-hour windows expire without waiting. Everything that happens later (status webhooks, webhook
 * retries, batch flushes) is scheduled on this clock, so moving it forward also runs what became due.
 */
export class VirtualClock {
	private offsetMs = 0;

	now(): number {
		return Date.now() + this.offsetMs;
	}

	unixSeconds(): number {
		return Math.floor(this.now() / 1000);
	}

	advance(ms: number): void {
		this.offsetMs += ms;
	}

	reset(): void {
		this.offsetMs = 0;
	}
}

export interface ScheduledTask {
	cancel(): void;
}

interface PendingTask {
	dueAt: number;
	run: () => void;
}

export class Scheduler {
	private tasks: PendingTask[] = [];

	private timer: NodeJS.Timeout | undefined;

	private stopped = false;

	constructor(
		private readonly clock: VirtualClock,
		private readonly onTaskError: (error: unknown) => void,
	) {}

	/** Runs `run` once the virtual clock reaches now + delayMs. */
	after(delayMs: number, run: () => void): ScheduledTask {
		const task: PendingTask = {
			dueAt: this.clock.now() + Math.max(0, delayMs),
			run,
		};
		this.tasks.splice(this.insertionIndex(task.dueAt), 0, task);
		this.arm();
		return {
			cancel: () => {
				this.tasks = this.tasks.filter((pending) => pending !== task);
				this.arm();
			},
		};
	}

	/** Call after the clock moved: runs every task that is now due, then waits for the next one. */
	clockMoved(): void {
		this.runDue();
	}

	/** Drops every pending task (reset, stop). */
	clear(): void {
		this.tasks = [];
		this.arm();
	}

	stop(): void {
		this.stopped = true;
		this.clear();
	}

	/** After every task due at or before dueAt, so equal times keep their scheduling order. */
	private insertionIndex(dueAt: number): number {
		let low = 0;
		let high = this.tasks.length;
		while (low < high) {
			const middle = (low + high) >> 1;
			if (this.tasks[middle].dueAt <= dueAt) low = middle + 1;
			else high = middle;
		}
		return low;
	}

	private runDue(): void {
		const now = this.clock.now();
		while (this.tasks.length > 0 && this.tasks[0].dueAt <= now) {
			const task = this.tasks.shift() as PendingTask;
			try {
				task.run();
			} catch (error) {
				this.onTaskError(error);
			}
		}
		this.arm();
	}

	private arm(): void {
		if (this.timer) clearTimeout(this.timer);
		this.timer = undefined;
		if (this.stopped || this.tasks.length === 0) return;
		const waitMs = Math.max(0, this.tasks[0].dueAt - this.clock.now());
		this.timer = setTimeout(() => this.runDue(), waitMs);
	}
}
