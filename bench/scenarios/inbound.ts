/**
 * Scenario 2, inbound burst: signed webhook deliveries (a customer's text message each, every one
 * from another contact) at increasing rates into our trigger and into a plain n8n Webhook node
 * workflow on the same n8n. A step is sustained when every delivery was acknowledged with 200,
 * the acknowledged rate kept up with the offered one, the p99 acknowledgement stayed below
 * SUSTAINED_P99_MS and n8n finished the step's executions soon after (a receiver that answers
 * before it works must not look faster for leaving the work behind). A receiver's ramp rises by the configured factor until a step is not
 * sustained, then tries the rates in between in steps of FINE_FACTOR, up to the next failure.
 */
import { performance } from 'node:perf_hooks';

import type { BenchConfig } from '../lib/config';
import { signedDelivery, textMessageBody } from '../lib/deliveries';
import { sendAtRate, type PreparedRequest, type StepResult } from '../lib/load';
import type { BenchN8n } from '../lib/n8n';
import { waitUntilQuiet, watchProcess } from '../lib/processes';
import { ratio, round } from '../lib/stats';
import type { ReceiverEndpoint, Receivers } from './receivers';

export const SUSTAINED_P99_MS = 1000;
export const SUSTAINED_BACKLOG_SECONDS = 1;
const SUSTAINED_SHARE = 0.95;
const WARM_UP_DELIVERIES = 30;
/** Between the last sustained and the first failed coarse step, the rate rises by this factor. */
const FINE_FACTOR = 1.08;

export interface ReceiverStep extends StepResult {
	sustained: boolean;
	/** How long n8n was still busy with the step's executions after the last acknowledgement. */
	backlogSeconds: number;
	/** n8n's CPU time per delivery, its executions included (until n8n was quiet again). */
	n8nCpuMsPerDelivery: number;
	/** n8n's CPU seconds per second while the step and its backlog ran: below 1, n8n waited. */
	n8nCoreShare: number;
}

export interface ReceiverResult {
	steps: ReceiverStep[];
	/** Offered rate of the fastest sustained step; null when not even the first was. */
	maxSustainedPerSecond: number | null;
	p50Ms: number | null;
	p99Ms: number | null;
	deliveriesSent: number;
}

export interface InboundResult {
	deliveriesPerReceiver: number;
	sustainedCriteria: string;
	plainWebhook: ReceiverResult;
	/** n8n's Webhook node with Header Auth: a receiver that also resolves a credential per call. */
	authenticatedWebhook: ReceiverResult;
	trigger: ReceiverResult;
	triggerVsPlain: number | null;
	triggerVsAuthenticated: number | null;
}

export async function runInbound(
	config: BenchConfig,
	ours: BenchN8n,
	receivers: Receivers,
	log: (line: string) => void,
): Promise<InboundResult> {
	log('  plain Webhook node');
	const plainWebhook = await ramp(config, ours, receivers, receivers.plainWebhook, 1, log);
	log('  Webhook node with Header Auth');
	const authenticatedWebhook = await ramp(
		config,
		ours,
		receivers,
		receivers.authenticatedWebhook,
		3,
		log,
	);
	log('  our trigger');
	const trigger = await ramp(config, ours, receivers, receivers.trigger, 2, log);
	return {
		deliveriesPerReceiver: config.inboundDeliveries,
		sustainedCriteria: `all acknowledged with 200, acknowledged rate >= ${SUSTAINED_SHARE * 100} % of offered, p99 < ${SUSTAINED_P99_MS} ms, and n8n done with the step's executions within ${SUSTAINED_BACKLOG_SECONDS} s of the last acknowledgement`,
		plainWebhook,
		authenticatedWebhook,
		trigger,
		triggerVsPlain: ratio(trigger.maxSustainedPerSecond, plainWebhook.maxSustainedPerSecond),
		triggerVsAuthenticated: ratio(
			trigger.maxSustainedPerSecond,
			authenticatedWebhook.maxSustainedPerSecond,
		),
	};
}

async function ramp(
	config: BenchConfig,
	ours: BenchN8n,
	receivers: Receivers,
	endpoint: ReceiverEndpoint,
	series: number,
	log: (line: string) => void,
): Promise<ReceiverResult> {
	let next = 0;
	const deliveries = (count: number): PreparedRequest[] =>
		Array.from({ length: count }, () => {
			const index = next++;
			const from = `49157${series}${String(index).padStart(7, '0')}`;
			const body = textMessageBody({
				wabaId: receivers.wabaId,
				phoneNumberId: receivers.phoneNumberId,
				from,
				wamid: `wamid.bench-${series}-${index}-${Date.now()}`,
				text: `Hello ${index}`,
				sentAt: new Date(),
			});
			return signedDelivery(endpoint.url, body, receivers.appSecret, endpoint.headers);
		});

	const warmUp = await sendAtRate(deliveries(WARM_UP_DELIVERIES), 10);
	if (warmUp.acknowledged === 0) {
		throw new Error(
			`${endpoint.url} acknowledged none of the warm-up deliveries: ${JSON.stringify(warmUp.errors)}`,
		);
	}
	await waitUntilQuiet(ours.pid);

	const steps: ReceiverResult['steps'] = [];
	let budget = config.inboundDeliveries;
	const step = async (rate: number): Promise<boolean> => {
		const count = Math.min(budget, Math.max(1, Math.round(rate * config.inboundStepSeconds)));
		budget -= count;
		const watch = watchProcess(ours.pid);
		const started = performance.now();
		const result = await sendAtRate(deliveries(count), rate);
		const sendingSeconds = (performance.now() - started) / 1000;
		// Executions started by the step may still run after it was acknowledged: a receiver that
		// answers first and works later only keeps up if that backlog is short. Its CPU counts too.
		const backlogSeconds = await waitUntilQuiet(ours.pid);
		const profile = watch.stop();
		const sustained =
			result.acknowledged === result.sent &&
			result.achievedPerSecond >= SUSTAINED_SHARE * result.offeredPerSecond &&
			(result.p99Ms ?? Infinity) < SUSTAINED_P99_MS &&
			backlogSeconds <= SUSTAINED_BACKLOG_SECONDS;
		steps.push({
			...result,
			sustained,
			backlogSeconds: round(backlogSeconds, 1),
			n8nCpuMsPerDelivery: round((profile.cpuSeconds * 1000) / result.sent, 1),
			n8nCoreShare: round(profile.cpuSeconds / (sendingSeconds + backlogSeconds), 2),
		});
		log(
			`  ${result.offeredPerSecond}/s offered: ${result.achievedPerSecond}/s acknowledged, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms${sustained ? '' : ' (not sustained)'}`,
		);
		return sustained;
	};

	let lastSustained: number | null = null;
	let failedAt: number | null = null;
	for (let rate = config.inboundStartRate; budget > 0; rate *= config.inboundRateFactor) {
		if (!(await step(rate))) {
			failedAt = rate;
			break;
		}
		lastSustained = rate;
	}
	// The coarse steps bracket the limit; finer ones between them tell 0.9× from 0.8×.
	if (lastSustained !== null && failedAt !== null) {
		for (
			let rate = lastSustained * FINE_FACTOR;
			rate < failedAt / Math.sqrt(FINE_FACTOR) && budget > 0;
			rate *= FINE_FACTOR
		) {
			if (!(await step(rate))) break;
		}
	}
	const best = steps
		.filter((candidate) => candidate.sustained)
		.sort((a, b) => b.offeredPerSecond - a.offeredPerSecond)[0];
	return {
		steps,
		maxSustainedPerSecond: best?.offeredPerSecond ?? null,
		p50Ms: best?.p50Ms ?? null,
		p99Ms: best?.p99Ms ?? null,
		deliveriesSent: config.inboundDeliveries - budget,
	};
}
