import type { VirtualClock } from './clock';
import { graphErrors } from './graph/errors';
import type { EmulatorState } from './state';

interface Bucket {
	tokens: number;
	refilledAt: number;
}

/**
 * Meta's two send limits: throughput per business number (messages per second, 130429) and the pair
 * rate per business number and contact (a short burst, then about one message every 6 s, 131056).
 */
export class RateLimits {
	private recentSends = new Map<string, number[]>();

	private pairBuckets = new Map<string, Bucket>();

	constructor(
		private readonly state: EmulatorState,
		private readonly clock: VirtualClock,
	) {}

	/** Throws the Graph error when this send would exceed a limit; otherwise counts it. */
	take(phoneNumberId: string, contactKey: string): void {
		const now = this.clock.now();
		const phone = this.state.phoneNumbers.get(phoneNumberId);
		const mps = phone?.mps ?? this.state.settings.defaultMps;
		const recent = (this.recentSends.get(phoneNumberId) ?? []).filter((at) => now - at < 1000);
		if (recent.length >= mps) {
			this.recentSends.set(phoneNumberId, recent);
			throw graphErrors.throughput();
		}

		const { burst, refillSeconds } = this.state.settings.pairRate;
		const pairKey = `${phoneNumberId}:${contactKey}`;
		const bucket = this.pairBuckets.get(pairKey) ?? { tokens: burst, refilledAt: now };
		const periodMs = refillSeconds * 1000;
		const periods = periodMs === 0 ? Infinity : Math.floor((now - bucket.refilledAt) / periodMs);
		if (periods > 0) {
			bucket.tokens = Math.min(burst, bucket.tokens + periods);
			bucket.refilledAt = bucket.tokens >= burst ? now : bucket.refilledAt + periods * periodMs;
		}
		bucket.tokens = Math.min(bucket.tokens, burst);
		if (bucket.tokens < 1) {
			this.pairBuckets.set(pairKey, bucket);
			throw graphErrors.pairRate();
		}
		bucket.tokens -= 1;
		this.pairBuckets.set(pairKey, bucket);
		recent.push(now);
		this.recentSends.set(phoneNumberId, recent);
	}

	reset(): void {
		this.recentSends.clear();
		this.pairBuckets.clear();
	}
}
