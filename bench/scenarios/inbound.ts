/**
 * Scenario 2, inbound burst: signed webhook deliveries (a customer's text message each, every one
 * from another contact) at increasing rates into our trigger and into a plain n8n Webhook node
 * workflow on the same n8n. A step is sustained when every delivery was acknowledged with 200,
 * the acknowledged rate kept up with the offered one, the p99 acknowledgement stayed below
 * SUSTAINED_P99_MS and n8n finished the step's executions soon after (a receiver that answers
 * before it works must not look faster for leaving the work behind). A receiver's ramp rises by the
 * configured factor until a step is not sustained, then tries the rates in between in steps of
 * FINE_FACTOR, up to the next failure (lib/rateLadder.ts). The three receivers take turns, a step
 * each at a time, so that a change in the machine's load over the run weighs on all of them.
 */
import { performance } from 'node:perf_hooks';

import type { BenchConfig } from '../lib/config';
import { newContactDeliveries } from '../lib/deliveries';
import { sendAtRate, type StepResult } from '../lib/load';
import type { BenchN8n } from '../lib/n8n';
import { RateLadder } from '../lib/rateLadder';
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
	const plainWebhook = receiverRun(
		config,
		ours,
		receivers,
		'plain Webhook node',
		1,
		receivers.plainWebhook,
	);
	const authenticatedWebhook = receiverRun(
		config,
		ours,
		receivers,
		'Webhook node with Header Auth',
		3,
		receivers.authenticatedWebhook,
	);
	const trigger = receiverRun(config, ours, receivers, 'our trigger', 2, receivers.trigger);
	const runs = [plainWebhook, authenticatedWebhook, trigger];
	for (const run of runs) await run.warmUp();
	// The receivers take turns at each rate (and in reversed order every other round), so that the
	// machine's drift over the minutes of the ramp weighs on all three alike.
	for (let round = 0; ; round++) {
		const due = runs.filter((run) => run.ladder.next() !== null);
		if (due.length === 0) break;
		for (const run of round % 2 === 0 ? due : due.reverse()) await run.step(log);
	}
	return {
		deliveriesPerReceiver: config.inboundDeliveries,
		sustainedCriteria: `all acknowledged with 200, acknowledged rate >= ${SUSTAINED_SHARE * 100} % of offered, p99 < ${SUSTAINED_P99_MS} ms, and n8n done with the step's executions within ${SUSTAINED_BACKLOG_SECONDS} s of the last acknowledgement`,
		plainWebhook: plainWebhook.result(),
		authenticatedWebhook: authenticatedWebhook.result(),
		trigger: trigger.result(),
		triggerVsPlain: ratio(
			trigger.best()?.offeredPerSecond ?? null,
			plainWebhook.best()?.offeredPerSecond ?? null,
		),
		triggerVsAuthenticated: ratio(
			trigger.best()?.offeredPerSecond ?? null,
			authenticatedWebhook.best()?.offeredPerSecond ?? null,
		),
	};
}

/** One receiver's ramp: its deliveries, its budget, its rate ladder and the steps measured. */
function receiverRun(
	config: BenchConfig,
	ours: BenchN8n,
	receivers: Receivers,
	name: string,
	series: number,
	endpoint: ReceiverEndpoint,
) {
	const deliveries = newContactDeliveries(receivers, endpoint, series);
	const ladder = new RateLadder(config.inboundStartRate, config.inboundRateFactor, FINE_FACTOR);
	const steps: ReceiverStep[] = [];
	let budget = config.inboundDeliveries;
	const best = () =>
		steps
			.filter((candidate) => candidate.sustained)
			.sort((a, b) => b.offeredPerSecond - a.offeredPerSecond)[0];

	return {
		ladder,
		best,
		async warmUp(): Promise<void> {
			const warmUp = await sendAtRate(deliveries(WARM_UP_DELIVERIES), 10);
			if (warmUp.acknowledged === 0) {
				throw new Error(
					`${endpoint.url} acknowledged none of the warm-up deliveries: ${JSON.stringify(warmUp.errors)}`,
				);
			}
			await waitUntilQuiet(ours.pid);
		},
		/** Offers the ladder's next rate for inboundStepSeconds and records what it showed. */
		async step(log: (line: string) => void): Promise<void> {
			const rate = ladder.next();
			if (rate === null) return;
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
				`  ${name}, ${result.offeredPerSecond}/s offered: ${result.achievedPerSecond}/s acknowledged, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms${sustained ? '' : ' (not sustained)'}`,
			);
			ladder.record(sustained);
			if (budget <= 0) ladder.stop();
		},
		result(): ReceiverResult {
			const fastest = best();
			return {
				steps,
				maxSustainedPerSecond: fastest?.offeredPerSecond ?? null,
				p50Ms: fastest?.p50Ms ?? null,
				p99Ms: fastest?.p99Ms ?? null,
				deliveriesSent: config.inboundDeliveries - budget,
			};
		},
	};
}
