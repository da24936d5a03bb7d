/**
 * Open-loop load: requests leave on a fixed schedule whether or not earlier ones were answered
 * (as Meta delivers webhooks), so a slow receiver shows as growing latency instead of quietly
 * slowing the sender down.
 */
import { performance } from 'node:perf_hooks';

import { percentile, round, sleep } from './stats';

export interface PreparedRequest {
	url: string;
	headers: Record<string, string>;
	body: string;
}

export interface StepResult {
	offeredPerSecond: number;
	sent: number;
	/** Answered 200. */
	acknowledged: number;
	/** Any other answer or no answer, by status (or "network"). */
	errors: Record<string, number>;
	/** Acknowledged per second, from the first request to the last answer. */
	achievedPerSecond: number;
	p50Ms: number | null;
	p99Ms: number | null;
	maxMs: number | null;
}

/**
 * Sends `requests` at `perSecond`, each as soon as it is due; resolves when all are answered.
 * `onUnacknowledged` learns the index of each request not answered 200 (to deliver it again).
 */
export async function sendAtRate(
	requests: readonly PreparedRequest[],
	perSecond: number,
	onUnacknowledged: (index: number) => void = () => undefined,
): Promise<StepResult> {
	const latencies: number[] = [];
	const errors: Record<string, number> = {};
	const started = performance.now();
	const inFlight: Array<Promise<void>> = [];

	const send = async (index: number) => {
		if (!(await postTimed(requests[index], latencies, errors))) onUnacknowledged(index);
	};

	for (let index = 0; index < requests.length; index++) {
		const dueAt = started + (index * 1000) / perSecond;
		const wait = dueAt - performance.now();
		if (wait > 1) await sleep(wait);
		inFlight.push(send(index));
	}
	await Promise.all(inFlight);
	const seconds = (performance.now() - started) / 1000;
	const rounded = (value: number | null) => (value === null ? null : round(value, 1));
	return {
		offeredPerSecond: round(perSecond, 1),
		sent: requests.length,
		acknowledged: latencies.length,
		errors,
		achievedPerSecond: round(latencies.length / seconds, 1),
		p50Ms: rounded(percentile(latencies, 50)),
		p99Ms: rounded(percentile(latencies, 99)),
		maxMs: rounded(latencies.length === 0 ? null : Math.max(...latencies)),
	};
}

/**
 * POSTs one prepared request: a 200 adds its round trip in ms to `latencies`, anything else counts
 * in `errors` by status (`network` when no answer came). Resolves whether it was answered 200.
 */
export async function postTimed(
	request: PreparedRequest,
	latencies: number[],
	errors: Record<string, number>,
): Promise<boolean> {
	const sentAt = performance.now();
	try {
		const response = await fetch(request.url, {
			method: 'POST',
			headers: request.headers,
			body: request.body,
		});
		await response.arrayBuffer();
		if (response.status === 200) {
			latencies.push(performance.now() - sentAt);
			return true;
		}
		errors[String(response.status)] = (errors[String(response.status)] ?? 0) + 1;
	} catch {
		errors.network = (errors.network ?? 0) + 1;
	}
	return false;
}
