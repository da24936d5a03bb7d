import type { Scheduler, ScheduledTask, VirtualClock } from '../clock';
import type { JsonRecord } from '../json';
import type { EmulatorState } from '../state';
import { envelope, type WebhookChange } from './payloads';
import { signatureHeaders } from './signature';

/** One POST attempt to a callback, kept for GET /_emulator/webhook-deliveries. */
export interface DeliveryRecord {
	url: string;
	attempt: number;
	duplicate: boolean;
	at: string;
	ok: boolean;
	httpStatus?: number;
	error?: string;
	events: number;
	body: JsonRecord;
}

/** What became of an event's first delivery attempt. */
export interface DispatchOutcome {
	delivered: boolean;
	url?: string;
	httpStatus?: number;
	error?: string;
	/** Why nothing was sent (no subscription, field not subscribed). */
	reason?: string;
}

interface QueuedChange {
	change: WebhookChange;
	settle: (outcome: DispatchOutcome) => void;
}

interface PendingBatch {
	items: QueuedChange[];
	flush: ScheduledTask;
}

const deliveryLogSize = 1000;

/**
 * Delivers webhook changes to the subscribed callback as Meta does: signed, batched when configured,
 * retried with exponential backoff on non-2xx or timeout, optionally duplicated.
 */
export class WebhookDispatcher {
	private log: DeliveryRecord[] = [];

	private batches = new Map<string, PendingBatch>();

	private inFlight = new Set<AbortController>();

	/** First attempts to one callback go out one after another, so a receiver sees events in order. */
	private queues = new Map<string, Promise<void>>();

	/** Bumped by reset(): retries of an older generation are dropped. */
	private generation = 0;

	constructor(
		private readonly state: EmulatorState,
		private readonly clock: VirtualClock,
		private readonly scheduler: Scheduler,
		private readonly writeLog: (line: string) => void,
	) {}

	dispatch(change: WebhookChange): Promise<DispatchOutcome> {
		const target = this.resolveTarget(change);
		if ('reason' in target) {
			this.writeLog(`webhook not sent (${change.field}): ${target.reason}`);
			return Promise.resolve({ delivered: false, reason: target.reason });
		}
		return new Promise((settle) => this.enqueue(target.url, { change, settle }));
	}

	deliveries(): DeliveryRecord[] {
		return [...this.log];
	}

	reset(): void {
		this.generation++;
		for (const batch of this.batches.values()) {
			batch.flush.cancel();
			batch.items.forEach((item) => item.settle({ delivered: false, reason: 'emulator reset' }));
		}
		this.batches.clear();
		this.log = [];
	}

	stop(): void {
		this.reset();
		for (const controller of this.inFlight) controller.abort();
	}

	/** Callback precedence as at Meta: phone number override, then WABA override, then the app's callback. */
	private resolveTarget(change: WebhookChange): { url: string } | { reason: string } {
		if (!this.state.wabaSubscribed) {
			return { reason: 'the app is not subscribed to the WABA (POST /{waba-id}/subscribed_apps)' };
		}
		const subscription = this.state.appSubscription;
		if (subscription && !subscription.fields.includes(change.field)) {
			return { reason: `field "${change.field}" is not among the app subscription's fields` };
		}
		const phone = change.phoneNumberId
			? this.state.phoneNumbers.get(change.phoneNumberId)
			: undefined;
		const url =
			phone?.webhookOverride?.uri ?? this.state.wabaOverride?.uri ?? subscription?.callbackUrl;
		if (!url) {
			return {
				reason:
					'no callback: subscribe the app (POST /{app-id}/subscriptions) or set override_callback_uri on the WABA or number',
			};
		}
		return { url };
	}

	private enqueue(url: string, item: QueuedChange): void {
		const { batchWindowMs, maxBatchSize } = this.state.settings.webhooks;
		if (batchWindowMs === 0) {
			this.send(url, [item]);
			return;
		}
		let batch = this.batches.get(url);
		if (!batch) {
			batch = { items: [], flush: this.scheduler.after(batchWindowMs, () => this.flush(url)) };
			this.batches.set(url, batch);
		}
		batch.items.push(item);
		if (batch.items.length >= maxBatchSize) this.flush(url);
	}

	private flush(url: string): void {
		const batch = this.batches.get(url);
		if (!batch) return;
		batch.flush.cancel();
		this.batches.delete(url);
		this.send(url, batch.items);
	}

	private send(url: string, items: QueuedChange[]): void {
		const body = envelope(
			this.state.seed.wabaId,
			items.map((item) => item.change),
		);
		const settleAll = (outcome: DispatchOutcome) => items.forEach((item) => item.settle(outcome));
		const generation = this.generation;
		const previous = this.queues.get(url) ?? Promise.resolve();
		const next = previous.then(() =>
			this.attempt(url, body, items.length, 1, generation, settleAll),
		);
		this.queues.set(url, next);
		void next.finally(() => {
			if (this.queues.get(url) === next) this.queues.delete(url);
		});
	}

	private async attempt(
		url: string,
		body: JsonRecord,
		events: number,
		attempt: number,
		generation: number,
		settle?: (outcome: DispatchOutcome) => void,
		duplicate = false,
	): Promise<void> {
		if (generation !== this.generation) {
			settle?.({ delivered: false, reason: 'emulator reset' });
			return;
		}
		const result = await this.post(url, body);
		// A POST that was in flight when reset() ran belongs to the previous run: keep it out of the fresh log.
		if (generation !== this.generation) {
			settle?.({ url, ...result, delivered: result.ok });
			return;
		}
		this.record({
			url,
			attempt,
			duplicate,
			at: new Date(this.clock.now()).toISOString(),
			events,
			body,
			...result,
		});
		settle?.({ url, ...result, delivered: result.ok });
		if (duplicate) return;
		const settings = this.state.settings.webhooks;
		if (!result.ok && attempt < settings.maxAttempts) {
			const backoffMs = settings.retryBaseMs * 2 ** (attempt - 1);
			this.scheduler.after(backoffMs, () => {
				void this.attempt(url, body, events, attempt + 1, generation);
			});
		}
		if (result.ok) {
			for (let copy = 0; copy < settings.duplicates; copy++) {
				await this.attempt(url, body, events, attempt, generation, undefined, true);
			}
		}
	}

	private async post(
		url: string,
		body: JsonRecord,
	): Promise<{ ok: boolean; httpStatus?: number; error?: string }> {
		const raw = Buffer.from(JSON.stringify(body));
		const controller = new AbortController();
		this.inFlight.add(controller);
		const timeout = setTimeout(() => controller.abort(), this.state.settings.webhooks.timeoutMs);
		try {
			const response = await fetch(url, {
				method: 'POST',
				headers: {
					'content-type': 'application/json',
					'user-agent': 'facebookexternalua',
					...signatureHeaders(this.state.seed.appSecret, raw),
				},
				body: raw,
				redirect: 'manual',
				signal: controller.signal,
			});
			await response.arrayBuffer();
			const ok = response.status >= 200 && response.status < 300;
			this.writeLog(`webhook POST ${safeUrl(url)} → ${response.status}`);
			return { ok, httpStatus: response.status };
		} catch (error) {
			const message = controller.signal.aborted
				? 'timed out or aborted'
				: describeFetchError(error);
			this.writeLog(`webhook POST ${safeUrl(url)} failed: ${message}`);
			return { ok: false, error: message };
		} finally {
			clearTimeout(timeout);
			this.inFlight.delete(controller);
		}
	}

	private record(entry: DeliveryRecord): void {
		this.log.push(entry);
		if (this.log.length > deliveryLogSize) this.log.shift();
	}
}

/** Logs show where a webhook went, never its query string (which may carry tokens). */
export function safeUrl(url: string): string {
	try {
		const parsed = new URL(url);
		return `${parsed.origin}${parsed.pathname}`;
	} catch {
		return '(invalid url)';
	}
}

function describeFetchError(error: unknown): string {
	const cause = (error as { cause?: { code?: string; message?: string } }).cause;
	return cause?.code ?? cause?.message ?? (error as Error).message;
}
