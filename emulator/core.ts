import type { ChangeFeed } from './chat/changes';
import type { Scheduler, VirtualClock } from './clock';
import type { MessageLifecycle } from './lifecycle';
import type { RateLimits } from './rate-limits';
import type { EmulatorSeed } from './seed';
import type { EmulatorState } from './state';
import type { WebhookDispatcher } from './webhooks/dispatcher';

/** The emulator's parts, handed to every request handler. */
export interface EmulatorCore {
	seed: EmulatorSeed;
	state: EmulatorState;
	clock: VirtualClock;
	scheduler: Scheduler;
	dispatcher: WebhookDispatcher;
	lifecycle: MessageLifecycle;
	limits: RateLimits;
	/** Tells the chat page to refetch (emulator/chat). */
	changes: ChangeFeed;
	log: (line: string) => void;
}

/** Back to the seed: state, settings, clock, pending webhooks and rate-limit counters. */
export function resetCore(core: EmulatorCore): void {
	core.scheduler.clear();
	core.dispatcher.reset();
	core.limits.reset();
	core.state.reset();
	core.clock.reset();
}
