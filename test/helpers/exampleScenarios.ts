/**
 * The example workflows of examples/ driven end to end in a real n8n, as a customer and a business
 * would: the emulator plays Meta and the customers, the assertions read what the business sent
 * (the emulator's control API), which branches ran (n8n's executions) and what was recorded (the
 * credential's store). Shared by the SQLite suite and the queue-mode suite, which run the same
 * assertions.
 *
 * All examples are published at once, up front, as the sandbox publishes them
 * (publishAllExamples, through scripts/harness/examples.ts), and stay published: every scenario
 * runs against all of them. Four of them have a WhatsApp trigger on the one account: example 2's
 * lead-qualification bot (no keywords: the fallback), example 6's PROMO, example 9's quote
 * requests and example 10's "delete my data" keyword flows. So every message of every scenario is
 * routed between them (docs/nodes/trigger.md, "Many workflows on one number"): the bot takes what
 * no keyword flow took and no waiting Follow-up Wait consumed, and its trigger's Confirm Opt-Out
 * answers every STOP, INFOSTOP and "Stop promotions" on the account.
 * Each scenario has contacts of its own and states which runs its messages started
 * (expectRunsSince) and every message its contacts got.
 *
 * What the tests change in an example before importing it: the credential ids (always), and time
 * limits a test cannot sit through (named in publishAllExamples), and the schedules of examples 3
 * and 4, moved out of the way (withoutLiveSchedules).
 */
import { DateTime } from 'luxon';

import { WINDOW_MS } from '../../lib/core/window';
import type { Execution, WorkflowInput } from '../../scripts/harness';
import { followUpText } from '../tools/openaiCompatibleServer';
import { publishExamples } from '../../scripts/harness/examples';
import {
	accountOverrides,
	customer,
	customerTaps,
	customerTapsQuickReply,
	customerWrites,
	customerWroteAt,
	eventually,
	eventuallyMessagesTo,
	executionError,
	executionsOf,
	finishedExecution,
	messagesTo,
	nodesThatRan,
	outputOf,
	outputsOfEveryRun,
	patchParameters,
	runFromEditor,
	settledExecutions,
	storeRowsContaining,
	waitingExecutions,
	type Customer,
	type ParameterPatch,
	type World,
} from './e2eWorld';
import { EXAMPLES, type ExampleFile } from './examples';

const OPT_IN_BUTTON = { id: 'consent:opt_in', title: 'Yes, please' };
const DECLINE_BUTTON = { id: 'consent:decline', title: 'No, thanks' };

/** The confirmations example 2's trigger (Confirm Opt-Out) sends for every opt-out on the account. */
const STOP_CONFIRMATION =
	'You will not receive any more messages from us. Reply START if you change your mind.';
const MARKETING_STOP_CONFIRMATION =
	'You will no longer receive promotional messages from us. Reply START to receive them again.';

/** The reply of the local model (test/tools/openaiCompatibleServer.ts's default responder). */
function modelReply(turn: number, text: string): string {
	return `(turn ${turn}) You said: "${text}"`;
}

/**
 * The whole conversation of the last model request whose prompt holds `about` (a customer's
 * message or name), as one text: scenarios running beside it ask the same model.
 */
function lastPromptAbout(world: World, about: string): string {
	const prompts = world.model
		.chatRequests()
		.map((request) =>
			(request.messages ?? []).map((message) => `${message.role}: ${message.content}`).join('\n'),
		)
		.filter((prompt) => prompt.includes(about));
	return prompts[prompts.length - 1] ?? `(no model request mentions ${JSON.stringify(about)})`;
}

// ---------------------------------------------------------------- all of them, published at once

type ExampleKey = keyof typeof EXAMPLES;

/** The workflow id of each example in this n8n. */
export type PublishedExamples = Record<ExampleKey, string>;

export interface PublishOptions {
	/** Example 5 waits 4 hours for a reply; the test shortens it to this many seconds. */
	followUpWaitSeconds: number;
	/**
	 * Example 6 waits 4 hours for the tap on its opt-in question; set, the test shortens it to this
	 * many seconds, so that its No Reply branch can be reached (keywordOptInNoAnswerScenario).
	 */
	optInWaitSeconds?: number;
	/**
	 * Example 10 waits an hour for the tap on its "delete your data?" question; set, the test
	 * shortens it to this many seconds, so that its No Reply branch can be reached.
	 */
	deleteWaitSeconds?: number;
	/**
	 * Example 9's waits take the AI's delay (a day), kept between 1 hour and 3 days; the test keeps
	 * them between 1 second and this many seconds, so every wait of its sequence lasts this long.
	 */
	followUpSequenceWaitSeconds: number;
}

/**
 * Imports and publishes every example of examples/ at once, in the sandbox's order (file order:
 * example 2's trigger takes Meta's callback, example 6's registers as a route beside it), with the
 * waits a test cannot sit through shortened. Fails unless all of them publish.
 */
export async function publishAllExamples(
	world: World,
	options: PublishOptions,
): Promise<PublishedExamples> {
	const waits: Partial<Record<ExampleFile, ParameterPatch>> = {
		// The example pauses two minutes after the call.
		[EXAMPLES.callEnded]: { 'Wait 2 Minutes': { amount: 1, unit: 'seconds' } },
		[EXAMPLES.followUpAfterSilence]: {
			'Wait for Reply (4 h)': { amount: options.followUpWaitSeconds, unit: 'seconds' },
		},
		[EXAMPLES.aiFollowUpSequence]: {
			'Wait for Reply': {
				earliestAmount: 1,
				earliestUnit: 'seconds',
				latestAmount: options.followUpSequenceWaitSeconds,
				latestUnit: 'seconds',
			},
		},
		...(options.optInWaitSeconds === undefined
			? {}
			: {
					[EXAMPLES.promoOptIn]: {
						'Wait for Answer': { amount: options.optInWaitSeconds, unit: 'seconds' },
					},
				}),
		...(options.deleteWaitSeconds === undefined
			? {}
			: {
					[EXAMPLES.deleteMyData]: {
						'Wait for Answer': { amount: options.deleteWaitSeconds, unit: 'seconds' },
					},
				}),
	};
	const published = await publishExamples(world.n8n.api, world.credentials, {
		adapt: (file, workflow) => {
			const patch = waits[file as ExampleFile];
			return withoutLiveSchedules(patch ? patchParameters(workflow, patch) : workflow);
		},
	});
	const failed = published.filter(({ error }) => error !== null);
	if (failed.length > 0) {
		throw new Error(
			`examples that did not publish: ${failed.map(({ file, error }) => `${file}: ${error?.message}`).join('; ')}`,
		);
	}
	const idOf = (file: ExampleFile) => {
		const example = published.find((entry) => entry.file === file);
		if (!example) throw new Error(`${file} is not among the published examples`);
		return example.id;
	};
	const keys = Object.keys(EXAMPLES) as ExampleKey[];
	expect(published.map(({ file }) => file)).toEqual(keys.map((key) => EXAMPLES[key]).sort());
	return Object.fromEntries(keys.map((key) => [key, idOf(EXAMPLES[key])])) as PublishedExamples;
}

/**
 * Examples 3 and 4 run on a clock (daily 08:00, Monday 10:00 in America/New_York); published in a
 * test, a run that spans that moment would get a scheduled send in the middle of its checks. The
 * tests run them from the editor instead: their schedules move to midnight of New Year's Day.
 */
function withoutLiveSchedules(workflow: WorkflowInput): WorkflowInput {
	return {
		...workflow,
		nodes: workflow.nodes.map((node) =>
			node.type === 'n8n-nodes-base.scheduleTrigger'
				? {
						...node,
						parameters: {
							rule: { interval: [{ field: 'cronExpression', expression: '0 0 1 1 *' }] },
						},
					}
				: node,
		),
	};
}

/**
 * The trigger examples share the account: example 2's trigger, published first, holds Meta's
 * callback (the account's callback override points at its production URL) as the fallback route;
 * examples 6, 9 and 10 are keyword routes beside it.
 */
export async function expectTriggerRoutes(
	world: World,
	examples: PublishedExamples,
): Promise<void> {
	const routes = await world.store.listRoutes(world.account);
	expect(routes.map((route) => ({ workflowId: route.id.split('/')[0], role: route.role }))).toEqual(
		[
			{ workflowId: examples.leadQualification, role: 'fallback' },
			{ workflowId: examples.promoOptIn, role: 'keyword' },
			{ workflowId: examples.aiFollowUpSequence, role: 'keyword' },
			{ workflowId: examples.deleteMyData, role: 'keyword' },
		],
	);
	expect(await accountOverrides(world)).toEqual([routes[0].webhookUrl]);
}

// ---------------------------------------------------------------- which runs a message started

/** The examples with a WhatsApp trigger, by the name of their trigger node. */
const TRIGGERS = {
	leadQualification: 'WhatsApp Automation Trigger',
	promoOptIn: 'PROMO Keyword',
	aiFollowUpSequence: 'Quote Request',
	deleteMyData: 'Delete My Data',
} as const;
type TriggerExample = keyof typeof TRIGGERS;
const TRIGGER_EXAMPLES = Object.keys(TRIGGERS) as TriggerExample[];

/** How many runs each trigger example has had: what a scenario's messages are counted from. */
type RunCounts = Record<TriggerExample, number>;

export async function runCounts(world: World, examples: PublishedExamples): Promise<RunCounts> {
	const counts = await Promise.all(
		TRIGGER_EXAMPLES.map(async (key) => (await executionsOf(world, examples[key])).length),
	);
	return Object.fromEntries(TRIGGER_EXAMPLES.map((key, i) => [key, counts[i]])) as RunCounts;
}

/**
 * Asserts which runs of the trigger examples the messages since `before` started: exactly the
 * expected ones, each once, in any order; a trigger example not named started none. A run reads `<contact>: <message text> (<routing rule>)`,
 * the contact by name when it is one of `contacts`, else by wa_id (a stranger's run fails the
 * assertion). Waits until the expected runs exist and none is still starting: the trigger Meta
 * calls answers only after every chosen workflow took its forward, so no late run can follow.
 * Returns the new runs with their data.
 */
export async function expectRunsSince(
	world: World,
	examples: PublishedExamples,
	before: RunCounts,
	contacts: Customer[],
	named: Partial<Record<TriggerExample, string[]>>,
): Promise<Record<TriggerExample, Execution[]>> {
	const expected = Object.fromEntries(
		TRIGGER_EXAMPLES.map((key) => [key, named[key] ?? []]),
	) as Record<TriggerExample, string[]>;
	const started = {} as Record<TriggerExample, Execution[]>;
	await eventually(
		async () => {
			for (const key of TRIGGER_EXAMPLES) {
				started[key] = (await executionsOf(world, examples[key])).slice(before[key]);
			}
			const ready = TRIGGER_EXAMPLES.every(
				(key) =>
					started[key].length >= expected[key].length &&
					started[key].every((run) => run.status !== 'new' && run.status !== 'running'),
			);
			return ready ? true : undefined;
		},
		() =>
			`runs ${JSON.stringify(expected)} (have ${TRIGGER_EXAMPLES.map((key) => `${key}: ${started[key]?.map((run) => `${run.id}:${run.status}`).join(', ')}`).join('; ')})`,
	);
	const nameOf = (waId: unknown) =>
		contacts.find((contact) => contact.waId === waId)?.name ?? String(waId);
	const withData = {} as Record<TriggerExample, Execution[]>;
	const described = {} as Record<TriggerExample, string[]>;
	for (const key of TRIGGER_EXAMPLES) {
		withData[key] = await Promise.all(
			started[key].map(async ({ id }) => await world.n8n.api.getExecution(id)),
		);
		described[key] = withData[key]
			.map((run) => {
				const item = outputOf(run, TRIGGERS[key])[0] ?? {};
				const contact = item.contact as { waId?: string } | undefined;
				const message = item.message as { text?: string } | undefined;
				const routing = item.routing as { rule?: string } | undefined;
				return `${nameOf(contact?.waId)}: ${message?.text} (${routing?.rule})`;
			})
			.sort();
	}
	const sorted = Object.fromEntries(
		TRIGGER_EXAMPLES.map((key) => [key, [...expected[key]].sort()]),
	);
	expect(described).toEqual(sorted);
	return withData;
}

/** The run among `runs` of a trigger example that this contact's message started. */
function runOf(runs: Execution[], key: TriggerExample, who: Customer): Execution {
	const run = runs.find(
		(candidate) =>
			(outputOf(candidate, TRIGGERS[key])[0]?.contact as { waId?: string } | undefined)?.waId ===
			who.waId,
	);
	if (!run) throw new Error(`no run of ${key} for ${who.name}`);
	return run;
}

/** Every run succeeded and none reached the assistant: the bot stayed silent. */
function expectSilentBotRuns(runs: Execution[]): void {
	for (const run of runs) {
		expect({ status: run.status, error: executionError(run) }).toEqual({
			status: 'success',
			error: 'null',
		});
		expect(nodesThatRan(run)).not.toContain('AI Reply');
	}
}

/** The texts the business sent this customer, oldest first. */
async function textsTo(world: World, who: Customer): Promise<Array<string | undefined>> {
	return (await messagesTo(world, who)).map((message) => message.renderedText);
}

// ---------------------------------------------------------------- 1. call ended

export async function callEndedScenario(world: World, examples: PublishedExamples): Promise<void> {
	const workflowId = examples.callEnded;
	const anna = customer('Anna', '+4917610000001');
	const ben = customer('Ben', '+4917610000002');
	const carl = customer('Carl', '+4917610000003');
	const call = (id: string, result: string, who: Customer) => ({
		callId: id,
		result,
		customer: { name: who.name, phone: who.phone },
		agent: 'Dr. Weber',
		appointment: { time: 'May 4, 10:00', location: 'Main Street 1' },
	});

	for (const body of [
		call('c-1001', 'booked', anna),
		call('c-1002', 'no_answer', ben),
		call('c-1003', 'wrong_number', carl),
	]) {
		const reply = await world.n8n.webhook('call-ended', { body });
		expect(reply.status).toBe(200);
	}

	const executions = await settledExecutions(world, workflowId, 3);
	for (const execution of executions) {
		expect({ status: execution.status, error: executionError(execution) }).toEqual({
			status: 'success',
			error: 'null',
		});
		expect(nodesThatRan(execution)).toContain('Wait 2 Minutes');
	}
	const byCall = (callId: string) =>
		executions.find(
			(execution) =>
				(outputOf(execution, 'Call Ended')[0]?.body as { callId?: string })?.callId === callId,
		)!;
	expect(nodesThatRan(byCall('c-1001'))).toContain('Send Appointment Confirmation');
	expect(nodesThatRan(byCall('c-1002'))).toContain('Send Missed-Call Message');
	expect(nodesThatRan(byCall('c-1003'))).toEqual(
		expect.arrayContaining(['Other Results', 'Call Result']),
	);
	expect(nodesThatRan(byCall('c-1003'))).not.toContain('Send Appointment Confirmation');

	const [confirmation] = await eventuallyMessagesTo(world, anna, 1);
	expect(confirmation).toMatchObject({
		type: 'template',
		template: { name: 'appointment_reminder', language: 'en_US' },
		renderedText:
			'Hello Anna, your appointment with Dr. Weber on May 4, 10:00 is confirmed. Location: Main Street 1',
		bizOpaqueCallbackData: 'c-1001',
	});
	const [missed] = await eventuallyMessagesTo(world, ben, 1);
	expect(missed).toMatchObject({
		template: { name: 'welcome_named' },
		renderedText: 'Hi Ben, welcome to Sunny Solar! Reply to this message any time.',
	});
	expect(await messagesTo(world, carl)).toEqual([]);
	// Every accepted send is in the store's message log, with the text the customer saw.
	expect(await world.store.getOutbound(confirmation.id)).toMatchObject({
		kind: 'template',
		recipient: anna.waId,
		templateName: 'appointment_reminder',
		text: confirmation.renderedText,
	});
}

// ---------------------------------------------------------------- 3. appointment reminders

export async function appointmentRemindersScenario(
	world: World,
	examples: PublishedExamples,
): Promise<void> {
	const workflowId = examples.appointmentReminders;
	// "Tomorrow" in n8n's default time zone, computed before and after the run (midnight may pass).
	const tomorrow = () =>
		DateTime.now().setZone('America/New_York').plus({ days: 1 }).setLocale('en').toFormat('MMMM d');
	const daysBefore = tomorrow();

	const executionId = await runFromEditor(world, workflowId, 'Every Day at 08:00');
	const execution = await finishedExecution(world, executionId);

	expect({ status: execution.status, error: executionError(execution) }).toEqual({
		status: 'success',
		error: 'null',
	});
	expect(outputOf(execution, 'Send Reminder')).toHaveLength(2);
	const days = new Set([daysBefore, tomorrow()]);
	const anna = customer('Anna', '+4915112340001');
	const ben = customer('Ben', '+4915112340002');
	const [toAnna] = await eventuallyMessagesTo(world, anna, 1);
	const [toBen] = await eventuallyMessagesTo(world, ben, 1);
	const expected = (name: string, time: string, day: string) =>
		`Hello ${name}, your appointment with Dr. Weber on ${day}, ${time} is confirmed. Location: Main Street 1`;
	expect([...days].map((day) => expected('Anna', '10:00', day))).toContain(toAnna.renderedText);
	expect([...days].map((day) => expected('Ben', '11:30', day))).toContain(toBen.renderedText);
	expect(toAnna.template).toMatchObject({ name: 'appointment_reminder', language: 'en_US' });
}

// ---------------------------------------------------------------- 2. lead qualification

/**
 * The bot is the fallback: it gets every message here (no PROMO, no waiting Follow-up Wait for
 * these contacts); example 6's keyword flow gets none of them.
 */
export async function leadQualificationScenario(
	world: World,
	examples: PublishedExamples,
): Promise<void> {
	const workflowId = examples.leadQualification;
	const anna = customer('Anna', '+4917620000001');
	const ben = customer('Ben', '+4917620000002');
	const before = await runCounts(world, examples);
	let runs = before.leadQualification;
	const nextRun = async () => {
		runs += 1;
		const executions = await settledExecutions(world, workflowId, runs);
		const execution = executions[executions.length - 1];
		expect({ status: execution.status, error: executionError(execution) }).toEqual({
			status: 'success',
			error: 'null',
		});
		return execution;
	};

	// First message ever: the assistant answers, then asks once for marketing opt-in.
	const first = "Hi, I'm interested in solar panels";
	await customerWrites(world, anna, first);
	await nextRun();
	const [answer, question] = await eventuallyMessagesTo(world, anna, 2);
	expect(answer).toMatchObject({ type: 'text', renderedText: modelReply(1, first) });
	expect(question.type).toBe('interactive');
	expect(question.replyOptions.map(({ id, title }) => ({ id, title }))).toEqual([
		OPT_IN_BUTTON,
		DECLINE_BUTTON,
	]);
	const prompt = lastPromptAbout(world, first);
	expect(prompt).toContain('You are Mia, the WhatsApp assistant of Sunny Solar');
	expect(prompt).toContain('Customer name: Anna');

	// The second message: the model sees the conversation so far; no second opt-in question.
	const second = 'About 40 m², postcode 80331';
	await customerWrites(world, anna, second);
	await nextRun();
	const afterSecond = await eventuallyMessagesTo(world, anna, 3);
	expect(afterSecond[2]).toMatchObject({ type: 'text', renderedText: modelReply(2, second) });
	expect(lastPromptAbout(world, second)).toContain(modelReply(1, first));

	// The tap on "Yes, please" is recorded with the question as proof, and answered.
	const tapId = await customerTaps(world, anna, OPT_IN_BUTTON, question.id);
	await nextRun();
	const afterTap = await eventuallyMessagesTo(world, anna, 4);
	expect(afterTap[3].renderedText).toBe(modelReply(3, OPT_IN_BUTTON.title));
	expect(afterTap).toHaveLength(4);
	expect(await world.store.getConsent(world.account, anna.waId)).toMatchObject({
		status: 'opted_in',
		source: 'button',
	});
	const [optIn] = await world.store.getConsentHistory(world.account, anna.waId);
	expect(optIn).toMatchObject({ previousStatus: 'unknown', newStatus: 'opted_in', applied: true });
	expect(JSON.stringify(optIn.evidence)).toContain(question.id);
	expect(JSON.stringify(optIn.evidence)).toContain(tapId);
	const history = await world.store.getAiHistory({
		assistant: 'Lead qualification',
		customer: anna.waId,
		limit: 50,
	});
	expect(history.messages.map(({ role, content }) => ({ role, content }))).toEqual([
		{ role: 'user', content: first },
		{ role: 'assistant', content: modelReply(1, first) },
		{ role: 'user', content: second },
		{ role: 'assistant', content: modelReply(2, second) },
		{ role: 'user', content: OPT_IN_BUTTON.title },
		{ role: 'assistant', content: modelReply(3, OPT_IN_BUTTON.title) },
	]);

	// STOP: recorded and confirmed by the trigger; the assistant stays silent.
	const stopId = await customerWrites(world, ben, 'STOP');
	const stopped = await nextRun();
	expect(nodesThatRan(stopped)).not.toContain('AI Reply');
	await eventuallyMessagesTo(world, ben, 1);
	expect(await world.store.getConsent(world.account, ben.waId)).toMatchObject({
		status: 'blocked',
		source: 'keyword',
	});
	const [stop] = await world.store.getConsentHistory(world.account, ben.waId);
	expect(stop.evidence).toMatchObject({ text: 'STOP', messageIds: [stopId] });

	// Each message started the bot once, as the fallback, and nothing else.
	await expectRunsSince(world, examples, before, [anna, ben], {
		leadQualification: [
			`Anna: ${first} (fallback)`,
			`Anna: ${second} (fallback)`,
			`Anna: ${OPT_IN_BUTTON.title} (fallback)`,
			'Ben: STOP (fallback)',
		],
		promoOptIn: [],
	});
	expect(await messagesTo(world, anna)).toHaveLength(4);
	expect(await textsTo(world, ben)).toEqual([STOP_CONFIRMATION]);
}

// ---------------------------------------------------------------- 4. marketing push

/**
 * The contacts' START, INFOSTOP, STOP and "Stop promotions" are recorded by the trigger Meta calls
 * (example 2's) and reach the bot as the fallback, which stays silent on consent keywords; its
 * Confirm Opt-Out answers each opt-out once.
 */
export async function marketingPushScenario(
	world: World,
	examples: PublishedExamples,
): Promise<void> {
	const workflowId = examples.marketingPush;
	// The example's sample segment.
	const anna = customer('Anna', '+4915112350001');
	const ben = customer('Ben', '+4915112350002');
	const clara = customer('Clara', '+4915112350003');
	const david = customer('David', '+4915112350004');
	const before = await runCounts(world, examples);

	await customerWrites(world, anna, 'START');
	await customerWrites(world, ben, 'START');
	const infostopId = await customerWrites(world, ben, 'INFOSTOP');
	await customerWrites(world, clara, 'START');
	await customerWrites(world, clara, 'Stop');
	expect(await textsTo(world, anna)).toEqual([]);
	expect(await textsTo(world, ben)).toEqual([MARKETING_STOP_CONFIRMATION]);
	expect(await textsTo(world, clara)).toEqual([STOP_CONFIRMATION]);

	const push = async () => {
		const execution = await finishedExecution(
			world,
			await runFromEditor(world, workflowId, 'Every Monday at 10:00'),
		);
		expect({ status: execution.status, error: executionError(execution) }).toEqual({
			status: 'success',
			error: 'null',
		});
		return execution;
	};
	const phonesOf = (items: Array<Record<string, unknown>>) => items.map((item) => item.phone);

	const first = await push();
	expect(phonesOf(outputOf(first, 'Marketing Consent', 0))).toEqual([anna.phone]);
	expect(phonesOf(outputOf(first, 'Marketing Consent', 1))).toEqual([david.phone]);
	expect(phonesOf(outputOf(first, 'Marketing Consent', 2))).toEqual([ben.phone, clara.phone]);
	const [sale] = await eventuallyMessagesTo(world, anna, 1);
	expect(sale).toMatchObject({
		type: 'template',
		template: { name: 'spring_sale', category: 'MARKETING' },
	});
	expect(sale.renderedText).toContain(
		'Hi Anna, use code SPRING20 for 20% off everything until Sunday.',
	);
	// The push sent nothing to the others: Ben and Clara have only their confirmations.
	expect(await textsTo(world, ben)).toEqual([MARKETING_STOP_CONFIRMATION]);
	expect(await textsTo(world, clara)).toEqual([STOP_CONFIRMATION]);
	expect(await messagesTo(world, david)).toEqual([]);

	expect(
		(await world.store.getConsentHistory(world.account, ben.waId)).map((entry) => ({
			from: entry.previousStatus,
			to: entry.newStatus,
			source: entry.source,
			text: entry.evidence?.text,
		})),
	).toEqual([
		{ from: 'unknown', to: 'opted_in', source: 'keyword', text: 'START' },
		{ from: 'opted_in', to: 'opted_out', source: 'keyword', text: 'INFOSTOP' },
	]);
	const [, infostop] = await world.store.getConsentHistory(world.account, ben.waId);
	expect(infostop.evidence?.messageIds).toEqual([infostopId]);
	expect(await world.store.getConsent(world.account, clara.waId)).toMatchObject({
		status: 'blocked',
	});

	// The template's own "Stop promotions" button is an opt-out: the next push skips Anna.
	await customerTapsQuickReply(world, anna, 'Stop promotions', sale.id);
	expect(await world.store.getConsent(world.account, anna.waId)).toMatchObject({
		status: 'opted_out',
		source: 'button',
	});
	const second = await push();
	expect(outputOf(second, 'Marketing Consent', 0)).toEqual([]);
	expect(phonesOf(outputOf(second, 'Marketing Consent', 2))).toEqual([
		anna.phone,
		ben.phone,
		clara.phone,
	]);
	// Anna got the sale once, and the confirmation of her tap.
	expect(await textsTo(world, anna)).toEqual([sale.renderedText, MARKETING_STOP_CONFIRMATION]);

	// Each reply started the bot once, as the fallback; it answered none of them.
	const runs = await expectRunsSince(world, examples, before, [anna, ben, clara, david], {
		leadQualification: [
			'Anna: START (fallback)',
			'Ben: START (fallback)',
			'Ben: INFOSTOP (fallback)',
			'Clara: START (fallback)',
			'Clara: Stop (fallback)',
			'Anna: Stop promotions (fallback)',
		],
		promoOptIn: [],
	});
	expectSilentBotRuns(runs.leadQualification);
}

// ---------------------------------------------------------------- 5. follow-up after silence

export interface FollowUpOptions {
	/** Restart n8n while both executions wait. */
	restart: boolean;
}

/**
 * Example 5 has no trigger of its own: the trigger Meta calls (example 2's) hands Rita's reply to
 * her waiting execution, which consumes it, so neither the bot (the fallback) nor the keyword flow
 * starts for it. The wait's length is set when the examples are published (publishAllExamples).
 */
export async function followUpAfterSilenceScenario(
	world: World,
	examples: PublishedExamples,
	options: FollowUpOptions,
): Promise<void> {
	const workflowId = examples.followUpAfterSilence;
	const rita = customer('Rita', '+4917650000001');
	const nico = customer('Nico', '+4917650000002');
	const order = (orderId: string, who: Customer, total: string) => ({
		orderId,
		name: who.name,
		phone: who.phone,
		total,
		delivery: 'Friday, May 8',
	});

	for (const body of [order('A-1042', rita, '€129.00'), order('A-1043', nico, '€99.00')]) {
		expect((await world.n8n.webhook('order-placed', { body })).status).toBe(200);
	}
	const [first, second] = await waitingExecutions(world, workflowId, 2);
	const executionOf = async (orderId: string) => {
		for (const id of [first, second]) {
			const execution = await world.n8n.api.getExecution(id);
			const body = outputOf(execution, 'Order Placed')[0]?.body as { orderId?: string };
			if (body?.orderId === orderId) return id;
		}
		throw new Error(`no waiting execution for order ${orderId}`);
	};
	const ritaRun = await executionOf('A-1042');
	const nicoRun = await executionOf('A-1043');
	const [confirmation] = await eventuallyMessagesTo(world, rita, 1);
	expect(confirmation).toMatchObject({
		template: { name: 'order_confirmation' },
		renderedText: 'Hi Rita, your order total is €129.00. Delivery is scheduled for Friday, May 8.',
		bizOpaqueCallbackData: 'A-1042',
	});

	if (options.restart) await world.n8n.restart();

	// Rita answers: the trigger resumes her execution on Replied, the assistant answers her.
	const before = await runCounts(world, examples);
	const question = 'Can I pay by invoice?';
	await customerWrites(world, rita, question);
	const replied = await finishedExecution(world, ritaRun);
	expect({ status: replied.status, error: executionError(replied) }).toEqual({
		status: 'success',
		error: 'null',
	});
	expect(nodesThatRan(replied)).toEqual(expect.arrayContaining(['AI Reply', 'Send AI Answer']));
	expect(nodesThatRan(replied)).not.toContain('Send Reminder');
	const toRita = await eventuallyMessagesTo(world, rita, 2);
	expect(toRita[1]).toMatchObject({ type: 'text', renderedText: modelReply(1, question) });
	expect(toRita).toHaveLength(2);
	expect(lastPromptAbout(world, question)).toContain(
		`Order confirmation we sent: ${confirmation.renderedText}`,
	);

	// Nico never answers: n8n's wait tracker sends his execution to No Reply, the reminder.
	const silent = await finishedExecution(world, nicoRun);
	expect({ status: silent.status, error: executionError(silent) }).toEqual({
		status: 'success',
		error: 'null',
	});
	expect(nodesThatRan(silent)).toContain('Send Reminder');
	expect(nodesThatRan(silent)).not.toContain('AI Reply');
	const toNico = await eventuallyMessagesTo(world, nico, 2);
	expect(toNico[1]).toMatchObject({
		template: { name: 'delivery_options' },
		bizOpaqueCallbackData: 'A-1043',
	});
	expect(toNico[1].renderedText).toContain(
		'Hi Nico, your order total is €99.00. Delivery is scheduled for Friday, May 8.',
	);
	expect(toNico[1].replyOptions.map((option) => option.title)).toEqual([
		'Deliver today',
		'Pick up in store',
	]);

	// The reply the wait consumed started no trigger workflow: Rita was answered once.
	await expectRunsSince(world, examples, before, [rita, nico], {
		leadQualification: [],
		promoOptIn: [],
	});
	expect(await messagesTo(world, rita)).toHaveLength(2);
	expect(await messagesTo(world, nico)).toHaveLength(2);
}

// ---------------------------------------------------------------- 6. keyword opt-in

const CAMPAIGN =
	'Here is your spring code: SPRING20 for 20% off everything until Sunday at https://shop.example.com/sale/spring\n\nReply INFOSTOP to stop marketing messages';
const BOT_OPT_IN_QUESTION =
	'May we also send you news and offers from Sunny Solar on WhatsApp? You can stop them at any time by replying INFOSTOP.';
const PROMO_OPT_IN_QUESTION =
	'Would you like to receive our offers and news on WhatsApp? You can stop them at any time by replying INFOSTOP.';

/**
 * PROMO, in any case, goes to the keyword flow only; the contacts' other messages go to the bot
 * (the fallback), and the taps on the keyword flow's question to its waiting execution only.
 */
export async function keywordOptInScenario(
	world: World,
	examples: PublishedExamples,
): Promise<void> {
	const workflowId = examples.promoOptIn;
	const zoe = customer('Zoe', '+4917660000001');
	const yara = customer('Yara', '+4917660000002');
	const xena = customer('Xena', '+4917660000003');
	const walt = customer('Walt', '+4917660000004');
	const contacts = [zoe, yara, xena, walt];
	const beforeHello = await runCounts(world, examples);

	// Not the keyword: recorded (START opts Zoe in, STOP blocks Walt) and the bot's, which stays
	// silent on consent keywords (Walt gets the STOP confirmation) and answers Yara, then asks her
	// once for marketing opt-in (her first message ever).
	const hello = 'Hello, what is this?';
	await customerWrites(world, zoe, 'START');
	await customerWrites(world, walt, 'STOP');
	await customerWrites(world, yara, hello);
	const botRuns = await expectRunsSince(world, examples, beforeHello, contacts, {
		leadQualification: [
			'Zoe: START (fallback)',
			'Walt: STOP (fallback)',
			`Yara: ${hello} (fallback)`,
		],
		promoOptIn: [],
	});
	const botRunOf = (who: Customer) => runOf(botRuns.leadQualification, 'leadQualification', who);
	expectSilentBotRuns([botRunOf(zoe), botRunOf(walt)]);
	expect(nodesThatRan(botRunOf(yara))).toEqual(
		expect.arrayContaining(['AI Reply', 'Send Reply', 'Ask for Marketing Opt-in']),
	);
	const [botAnswer, botQuestion] = await eventuallyMessagesTo(world, yara, 2);
	expect(botAnswer).toMatchObject({ type: 'text', renderedText: modelReply(1, hello) });
	expect(botQuestion.type).toBe('interactive');
	expect(botQuestion.renderedText).toContain(BOT_OPT_IN_QUESTION);
	expect(await textsTo(world, zoe)).toEqual([]);
	expect(await textsTo(world, walt)).toEqual([STOP_CONFIRMATION]);

	const beforePromo = await runCounts(world, examples);
	// Already opted in: the campaign at once.
	await customerWrites(world, zoe, 'PROMO');
	// Stopped all messages: nothing.
	await customerWrites(world, walt, 'PROMO');
	// Unknown: asked first, in any case of the keyword (Yara once more: she did not answer the bot).
	await customerWrites(world, yara, 'promo');
	await customerWrites(world, xena, 'PROMO');

	const [, , yaraRun, xenaRun] = await waitingAndFinished(
		world,
		workflowId,
		beforePromo.promoOptIn,
	);
	const [toZoe] = await eventuallyMessagesTo(world, zoe, 1);
	expect(toZoe).toMatchObject({ type: 'text', renderedText: CAMPAIGN });
	const yaraQuestion = (await eventuallyMessagesTo(world, yara, 3))[2];
	const [xenaQuestion] = await eventuallyMessagesTo(world, xena, 1);
	for (const question of [yaraQuestion, xenaQuestion]) {
		expect(question.type).toBe('interactive');
		expect(question.renderedText).toContain(PROMO_OPT_IN_QUESTION);
		expect(question.replyOptions.map(({ id, title }) => ({ id, title }))).toEqual([
			OPT_IN_BUTTON,
			DECLINE_BUTTON,
		]);
	}

	// "Yes, please": recorded with the question as proof; the wait resumes; the campaign goes out.
	await customerTaps(world, yara, OPT_IN_BUTTON, yaraQuestion.id);
	const yes = await finishedExecution(world, yaraRun);
	expect({ status: yes.status, error: executionError(yes) }).toEqual({
		status: 'success',
		error: 'null',
	});
	expect(outputOf(yes, 'Opted In Now?', 0)).toHaveLength(1);
	const toYara = await eventuallyMessagesTo(world, yara, 4);
	expect(toYara[3]).toMatchObject({ type: 'text', renderedText: CAMPAIGN });
	const [yaraConsent] = await world.store.getConsentHistory(world.account, yara.waId);
	expect(yaraConsent).toMatchObject({ newStatus: 'opted_in', source: 'button' });
	expect(yaraConsent.evidence).toMatchObject({ kind: 'double_opt_in' });
	expect(JSON.stringify(yaraConsent.evidence)).toContain(yaraQuestion.id);

	// "No, thanks": a marketing opt-out; the second check blocks the campaign.
	await customerTaps(world, xena, DECLINE_BUTTON, xenaQuestion.id);
	const no = await finishedExecution(world, xenaRun);
	expect({ status: no.status, error: executionError(no) }).toEqual({
		status: 'success',
		error: 'null',
	});
	expect(outputOf(no, 'Opted In Now?', 2)).toHaveLength(1);
	expect(await world.store.getConsent(world.account, xena.waId)).toMatchObject({
		status: 'opted_out',
		source: 'button',
	});

	// Four PROMO messages, four runs of the keyword flow; the taps its waits consumed started
	// nothing else, so the bot did not answer "Yes, please" or "No, thanks".
	await expectRunsSince(world, examples, beforePromo, contacts, {
		leadQualification: [],
		promoOptIn: [
			'Zoe: PROMO (keyword)',
			'Walt: PROMO (keyword)',
			'Yara: promo (keyword)',
			'Xena: PROMO (keyword)',
		],
	});
	// Everything each contact got, once: no second answer to any message.
	expect(await textsTo(world, zoe)).toEqual([CAMPAIGN]);
	expect(await textsTo(world, walt)).toEqual([STOP_CONFIRMATION]);
	expect(await textsTo(world, yara)).toEqual([
		botAnswer.renderedText,
		botQuestion.renderedText,
		yaraQuestion.renderedText,
		CAMPAIGN,
	]);
	expect(await textsTo(world, xena)).toEqual([xenaQuestion.renderedText]);
}

const OFFER_EXPIRED =
	'We did not hear back, so we will not send you offers. If you would like the spring code after all, send PROMO again.';

/**
 * Example 6's No Reply branch: neither customer taps the opt-in question. Vera wrote PROMO just now,
 * so her window is still open when the wait runs out: the request is closed with a service message.
 * Uma's PROMO carries Meta's time of almost 24 hours ago: she is asked while her window is open,
 * but it closes before the deadline, so nothing may be sent (free text needs the window, and a
 * marketing template needs her consent). Silence records no consent either way. Needs the examples
 * published with a short `optInWaitSeconds` (the deadline must pass within the test).
 */
export async function keywordOptInNoAnswerScenario(
	world: World,
	examples: PublishedExamples,
): Promise<void> {
	const workflowId = examples.promoOptIn;
	const vera = customer('Vera', '+4917660000005');
	const uma = customer('Uma', '+4917660000006');
	const before = await runCounts(world, examples);

	await customerWrites(world, vera, 'PROMO');
	// Her window closes 30 s from now: the question leaves within it, the wait ends after it.
	const windowClosesIn = 30_000;
	await customerWroteAt(world, uma, 'PROMO', new Date(Date.now() - WINDOW_MS + windowClosesIn));
	const waiting = await waitingExecutions(world, workflowId, 2);
	const runs = await expectRunsSince(world, examples, before, [vera, uma], {
		leadQualification: [],
		promoOptIn: ['Vera: PROMO (keyword)', 'Uma: PROMO (keyword)'],
	});
	const [veraQuestion] = await eventuallyMessagesTo(world, vera, 1);
	const [umaQuestion] = await eventuallyMessagesTo(world, uma, 1);
	for (const question of [veraQuestion, umaQuestion]) {
		expect(question.type).toBe('interactive');
		expect(question.renderedText).toContain(PROMO_OPT_IN_QUESTION);
	}

	// n8n's wait tracker ends both waits at their deadline, on No Reply.
	const ended = await Promise.all(
		[vera, uma].map(async (who) => {
			const { id } = runOf(runs.promoOptIn, 'promoOptIn', who);
			expect(waiting).toContain(id);
			return await finishedExecution(world, id);
		}),
	);
	for (const run of ended) {
		expect({ status: run.status, error: executionError(run) }).toEqual({
			status: 'success',
			error: 'null',
		});
		expect(outputOf(run, 'Wait for Answer', 0)).toEqual([
			expect.objectContaining({ followUp: expect.objectContaining({ outcome: 'noReply' }) }),
		]);
		expect(nodesThatRan(run)).not.toContain('Opted In Now?');
	}
	const [veraRun, umaRun] = ended;
	expect(outputOf(veraRun, 'Wait for Answer', 0)[0]).toMatchObject({ windowOpen: true });
	expect(nodesThatRan(veraRun)).toContain('Say the Offer Expired');
	expect(nodesThatRan(veraRun)).not.toContain('Nothing to Send');
	expect(outputOf(umaRun, 'Wait for Answer', 0)[0]).toMatchObject({ windowOpen: false });
	expect(nodesThatRan(umaRun)).toContain('Nothing to Send');
	expect(nodesThatRan(umaRun)).not.toContain('Say the Offer Expired');

	const toVera = await eventuallyMessagesTo(world, vera, 2);
	expect(toVera[1]).toMatchObject({ type: 'text', renderedText: OFFER_EXPIRED });
	expect(await textsTo(world, vera)).toEqual([veraQuestion.renderedText, OFFER_EXPIRED]);
	expect(await textsTo(world, uma)).toEqual([umaQuestion.renderedText]);
	for (const who of [vera, uma]) {
		expect(await world.store.getConsent(world.account, who.waId)).toMatchObject({
			status: 'unknown',
		});
		expect(await world.store.getConsentHistory(world.account, who.waId)).toEqual([]);
	}
}

/**
 * The four runs of the keyword scenario since `before`, oldest first: Zoe's and Walt's finished,
 * Yara's and Xena's waiting for the answer.
 */
async function waitingAndFinished(
	world: World,
	workflowId: string,
	before: number,
): Promise<string[]> {
	const waiting = await waitingExecutions(world, workflowId, 2);
	const all = (await executionsOf(world, workflowId)).slice(before);
	expect(all).toHaveLength(4);
	const finished = all.filter((execution) => !waiting.includes(execution.id));
	for (const { id } of finished) {
		const execution = await finishedExecution(world, id);
		expect({ status: execution.status, error: executionError(execution) }).toEqual({
			status: 'success',
			error: 'null',
		});
	}
	return [...finished.map(({ id }) => id), ...waiting];
}

// ---------------------------------------------------------------- 10. delete my data

const YES_DELETE = { id: 'erase:yes', title: 'Yes, delete' };
const NO_KEEP = { id: 'erase:no', title: 'No' };
const DELETE_QUESTION =
	'Do you want us to delete all data we hold about you: your messages with us, your consent choices and our notes? This cannot be undone.';
const DELETED =
	'Done: we have deleted all data we held about you, including this conversation. If you write to us again, we start from scratch.';
const NOTHING_DELETED =
	'Nothing has been deleted. If you want us to delete your data, send DELETE MY DATA again.';

/**
 * Example 10: the request in the customer's words (German and English, inside a longer message)
 * goes to the keyword flow only; the question's buttons are consumed by its waiting run. Dora has
 * talked to the bot before (AI history, an opt-in question, the message log, her window): after
 * "Yes, delete" she gets the confirmation and the store holds no row naming her, read straight
 * from its tables. Emil taps "No" and keeps his data; Fritz does not tap (needs the examples
 * published with a short `deleteWaitSeconds`) and is told nothing was deleted.
 */
export async function deleteMyDataScenario(
	world: World,
	examples: PublishedExamples,
): Promise<void> {
	const workflowId = examples.deleteMyData;
	const dora = customer('Dora', '+4917670000001');
	const emil = customer('Emil', '+4917670000002');
	const fritz = customer('Fritz', '+4917670000003');
	const contacts = [dora, emil, fritz];

	// Dora's history: the bot answers her first message and asks once for marketing opt-in.
	const before = await runCounts(world, examples);
	const hello = 'Hello, do you install heat pumps too?';
	await customerWrites(world, dora, hello);
	await expectRunsSince(world, examples, before, contacts, {
		leadQualification: [`Dora: ${hello} (fallback)`],
	});
	const [botAnswer] = await eventuallyMessagesTo(world, dora, 2);
	expect(
		(
			await world.store.getAiHistory({
				assistant: 'Lead qualification',
				customer: dora.waId,
				limit: 10,
			})
		).messages,
	).toHaveLength(2);
	expect(await world.store.getOutbound(botAnswer.id)).toMatchObject({ recipient: dora.waId });

	const beforeRequests = await runCounts(world, examples);
	const doraAsks = 'Hallo, bitte lösche meine Daten.';
	await customerWrites(world, dora, doraAsks);
	await customerWrites(world, emil, 'DELETE MY DATA');
	await customerWrites(world, fritz, 'Please delete my data, thanks');
	const runs = await waitingExecutions(world, workflowId, 3);
	const started = await expectRunsSince(world, examples, beforeRequests, contacts, {
		deleteMyData: [
			`Dora: ${doraAsks} (keyword)`,
			'Emil: DELETE MY DATA (keyword)',
			'Fritz: Please delete my data, thanks (keyword)',
		],
	});
	const runFor = (who: Customer) => {
		const { id } = runOf(started.deleteMyData, 'deleteMyData', who);
		expect(runs).toContain(id);
		return id;
	};
	const questionTo = async (who: Customer, count: number) => {
		const question = (await eventuallyMessagesTo(world, who, count))[count - 1];
		expect(question.type).toBe('interactive');
		expect(question.renderedText).toContain(DELETE_QUESTION);
		expect(question.replyOptions.map(({ id, title }) => ({ id, title }))).toEqual([
			YES_DELETE,
			NO_KEEP,
		]);
		return question;
	};
	const doraQuestion = await questionTo(dora, 3);
	const emilQuestion = await questionTo(emil, 1);
	const fritzQuestion = await questionTo(fritz, 1);

	// "Yes, delete": erased, confirmed, and the confirmation's log entry erased as well.
	await customerTaps(world, dora, YES_DELETE, doraQuestion.id);
	const yes = await finishedExecution(world, runFor(dora));
	expect({ status: yes.status, error: executionError(yes) }).toEqual({
		status: 'success',
		error: 'null',
	});
	expect(outputOf(yes, 'Erase Contact')[0]?.erasure).toMatchObject({
		contactFound: true,
		suppressedAs: null,
		deleted: { contacts: 1, windows: 1, outboundMessages: 3, aiConversations: 1, aiMessages: 2 },
	});
	expect(outputOf(yes, 'Erase the Confirmation')[0]?.erasure).toMatchObject({
		contactFound: false,
		deleted: { outboundMessages: 1 },
	});
	const toDora = await eventuallyMessagesTo(world, dora, 4);
	expect(toDora[3]).toMatchObject({ type: 'text', renderedText: DELETED });
	expect(toDora).toHaveLength(4);
	expect(await world.store.getContact(world.account, dora.waId)).toBeNull();
	expect(await world.store.getConsent(world.account, dora.waId)).toMatchObject({
		status: 'unknown',
	});
	expect(await world.store.getConsentHistory(world.account, dora.waId)).toEqual([]);
	expect(
		await world.store.getWindow({
			account: world.account,
			phoneNumberId: world.phoneNumberId,
			contact: dora.waId,
		}),
	).toBeNull();
	for (const message of toDora) expect(await world.store.getOutbound(message.id)).toBeNull();
	expect(
		(
			await world.store.getAiHistory({
				assistant: 'Lead qualification',
				customer: dora.waId,
				limit: 10,
			})
		).messages,
	).toEqual([]);
	expect(await storeRowsContaining(world, dora.waId)).toEqual([]);

	// "No": nothing deleted, and said so.
	await customerTaps(world, emil, NO_KEEP, emilQuestion.id);
	const no = await finishedExecution(world, runFor(emil));
	expect({ status: no.status, error: executionError(no) }).toEqual({
		status: 'success',
		error: 'null',
	});
	expect(nodesThatRan(no)).not.toContain('Erase Contact');
	const toEmil = await eventuallyMessagesTo(world, emil, 2);
	expect(toEmil[1]).toMatchObject({ type: 'text', renderedText: NOTHING_DELETED });
	expect(await world.store.getContact(world.account, emil.waId)).not.toBeNull();
	// The raw look that found nothing of Dora finds Emil's rows.
	expect((await storeRowsContaining(world, emil.waId)).length).toBeGreaterThan(0);
	expect(await world.store.getOutbound(emilQuestion.id)).toMatchObject({ recipient: emil.waId });

	// No tap: n8n's wait tracker ends the wait; the window is open, so Fritz is told.
	const silent = await finishedExecution(world, runFor(fritz));
	expect({ status: silent.status, error: executionError(silent) }).toEqual({
		status: 'success',
		error: 'null',
	});
	expect(outputOf(silent, 'Wait for Answer', 0)).toEqual([
		expect.objectContaining({
			windowOpen: true,
			followUp: expect.objectContaining({ outcome: 'noReply' }),
		}),
	]);
	expect(nodesThatRan(silent)).not.toContain('Erase Contact');
	expect(await textsTo(world, fritz)).toEqual([fritzQuestion.renderedText, NOTHING_DELETED]);
	expect(await world.store.getContact(world.account, fritz.waId)).not.toBeNull();

	// The taps went to the waiting runs only: no run of the bot or a second request.
	await expectRunsSince(world, examples, beforeRequests, contacts, {
		deleteMyData: [
			`Dora: ${doraAsks} (keyword)`,
			'Emil: DELETE MY DATA (keyword)',
			'Fritz: Please delete my data, thanks (keyword)',
		],
	});
}

// ---------------------------------------------------------------- 9. AI follow-up sequence

const SEQUENCE = 'sales follow-up';
const SALES_ASSISTANT = 'Sales assistant';
const CLOSED_WINDOW_TEMPLATE = (name: string) =>
	`Hi ${name}, welcome to Sunny Solar! Reply to this message any time.`;

export interface FollowUpSequenceOptions {
	/** The length of every wait of the sequence, as published (followUpSequenceWaitSeconds). */
	waitSeconds: number;
}

/**
 * Example 9, three customers ask for a quote at once, each answered by the sales assistant, whose
 * follow-up workflow then waits (the local model: follow up, in a day, which the test's bounds
 * shorten to `waitSeconds`). Sina stays silent: three follow-ups, the third after her window
 * closed (her request carries Meta's time of almost 24 hours ago: the window closes halfway
 * through the third wait), so it goes out as the template; the fourth pass leaves by Limit
 * Reached. Rolf replies during the first wait: his run resumes on Replied, the assistant answers
 * and nothing more follows. Stella books: the booking webhook cancels her waits in the sequence,
 * her run ends on Cancelled. The waits' length needs waits above a minute: n8n's wait tracker looks
 * for due waits once a minute and times those due within 70 s precisely.
 *
 * Returns once Rolf's and Stella's parts are checked, with Sina's part still running: her four
 * waits take minutes of idle time, which the suites spend on other scenarios (`inBackground`).
 * Nothing else touches her: she sends nothing, so no trigger run of hers can show up in another
 * scenario's `expectRunsSince`, and her model calls are told apart by their prompts.
 */
export async function aiFollowUpSequenceScenario(
	world: World,
	examples: PublishedExamples,
	options: FollowUpSequenceOptions,
): Promise<Background> {
	const workflowId = examples.aiFollowUpSequence;
	const sina = customer('Sina', '+4917690000001');
	const rolf = customer('Rolf', '+4917690000002');
	const stella = customer('Stella', '+4917690000003');
	const contacts = [sina, rolf, stella];
	const waitMs = options.waitSeconds * 1000;
	const before = await runCounts(world, examples);

	const sinaAsks = 'Hi, can I get a quote for solar panels?';
	const rolfAsks = 'What is the price of a heat pump?';
	const stellaAsks = 'Ich hätte gern ein Angebot für eine Wärmepumpe.';
	await customerWroteAt(world, sina, sinaAsks, new Date(Date.now() - WINDOW_MS + 2.5 * waitMs));
	await customerWrites(world, rolf, rolfAsks);
	await customerWrites(world, stella, stellaAsks);
	const waiting = await waitingExecutions(world, workflowId, 3);
	const requests = [
		`Sina: ${sinaAsks} (keyword)`,
		`Rolf: ${rolfAsks} (keyword)`,
		`Stella: ${stellaAsks} (keyword)`,
	];
	const started = await expectRunsSince(world, examples, before, contacts, {
		aiFollowUpSequence: requests,
	});
	const runFor = (who: Customer) => {
		const { id } = runOf(started.aiFollowUpSequence, 'aiFollowUpSequence', who);
		expect(waiting).toContain(id);
		return id;
	};
	const [sinaRun, rolfRun, stellaRun] = contacts.map(runFor);
	const answers = await Promise.all(
		[
			[sina, sinaAsks],
			[rolf, rolfAsks],
			[stella, stellaAsks],
		].map(async ([who, asked]) => {
			const [answer] = await eventuallyMessagesTo(world, who as Customer, 1);
			expect(answer).toMatchObject({ type: 'text', renderedText: modelReply(1, asked as string) });
			return answer;
		}),
	);

	// Each waits for the first follow-up of the sequence (List Waits reads the same rows).
	const pending = await world.store.listWaits({
		account: world.account,
		sequence: SEQUENCE,
		at: Date.now(),
		limit: 10,
	});
	expect(
		pending.map((wait) => ({ waId: wait.contact.waId, followUp: wait.followUp })).sort(byWaId),
	).toEqual(contacts.map((who) => ({ waId: who.waId, followUp: 1 })).sort(byWaId));
	const waitOf = (who: Customer) => pending.find((wait) => wait.contact.waId === who.waId)!;

	// Rolf replies: his run resumes on Replied, the assistant answers in the same conversation.
	const rolfReplies = 'Thanks, I will read it tonight.';
	await customerWrites(world, rolf, rolfReplies);
	const replied = await finishedExecution(world, rolfRun);
	expect({ status: replied.status, error: executionError(replied) }).toEqual({
		status: 'success',
		error: 'null',
	});
	expect(outputOf(replied, 'Wait for Reply', 1)).toEqual([
		expect.objectContaining({
			message: expect.objectContaining({ text: rolfReplies }),
			followUp: expect.objectContaining({ outcome: 'replied', sequence: SEQUENCE, count: 1 }),
		}),
	]);
	expect(nodesThatRan(replied)).not.toContain('Write Follow-up');
	const toRolf = await eventuallyMessagesTo(world, rolf, 2);
	expect(toRolf[1]).toMatchObject({ type: 'text', renderedText: modelReply(2, rolfReplies) });
	expect(await world.store.getWait(waitOf(rolf).id)).toMatchObject({ status: 'claimed' });
	// The reply went to the waiting run only: no new run of any trigger workflow.
	await expectRunsSince(world, examples, before, contacts, { aiFollowUpSequence: requests });

	// Stella booked: the booking system's call cancels her waits in the sequence.
	const booking = await world.n8n.webhook('booking-made', { body: { phone: stella.phone } });
	expect(booking.status).toBe(200);
	expect(booking.json).toMatchObject({
		cancelledWaits: { count: 1, resumed: 1, failed: 0, sequence: SEQUENCE },
	});
	const cancelled = await finishedExecution(world, stellaRun);
	expect({ status: cancelled.status, error: executionError(cancelled) }).toEqual({
		status: 'success',
		error: 'null',
	});
	expect(outputOf(cancelled, 'Wait for Reply', 2)).toEqual([
		expect.objectContaining({ followUp: expect.objectContaining({ outcome: 'cancelled' }) }),
	]);
	expect(nodesThatRan(cancelled)).toContain('Sequence Stopped');
	expect(nodesThatRan(cancelled)).not.toContain('Write Follow-up');
	expect(await world.store.getWait(waitOf(stella).id)).toMatchObject({ status: 'cancelled' });

	// Sina stays silent: three follow-ups, then Limit Reached.
	return inBackground(async () => {
		await sinaStaysSilent();
		// Nothing waits in the sequence any more, and Rolf and Stella got nothing after the waits
		// they left (Sina's three waits outlasted theirs).
		expect(
			await world.store.listWaits({
				account: world.account,
				sequence: SEQUENCE,
				at: Date.now(),
				limit: 10,
			}),
		).toEqual([]);
		expect(await textsTo(world, rolf)).toEqual([
			answers[1].renderedText,
			modelReply(2, rolfReplies),
		]);
		expect(await textsTo(world, stella)).toEqual([answers[2].renderedText]);
	});

	async function sinaStaysSilent(): Promise<void> {
		const silent = await finishedExecution(world, sinaRun, 4 * waitMs + 120_000);
		expect({ status: silent.status, error: executionError(silent) }).toEqual({
			status: 'success',
			error: 'null',
		});
		const noReplies = outputsOfEveryRun(silent, 'Wait for Reply', 0).flat();
		expect(noReplies.map((item) => item.followUp)).toEqual(
			[1, 2, 3].map((count) =>
				expect.objectContaining({
					outcome: 'noReply',
					sequence: SEQUENCE,
					count,
					max: 3,
					limitReached: false,
					deadlineClampedTo: 'latest',
				}),
			),
		);
		// The window closed during the third wait.
		expect(noReplies.map((item) => item.windowOpen)).toEqual([true, true, false]);
		expect(outputsOfEveryRun(silent, 'Wait for Reply', 3).flat()).toEqual([
			expect.objectContaining({
				followUp: expect.objectContaining({
					outcome: 'limitReached',
					limitReached: true,
					count: 3,
					max: 3,
				}),
			}),
		]);
		expect(nodesThatRan(silent)).toContain('Mark Lead Cold');
		// Every pass asked the model for the delay: a day, kept to the test's bound by the wait.
		expect(
			outputsOfEveryRun(silent, 'Pick the Delay')
				.flat()
				.map((item) => item.delayHours),
		).toEqual([24, 24, 24, 24]);
		expect(
			outputsOfEveryRun(silent, 'Send Follow-up')
				.flat()
				.map((item) => ({ sentAs: item.sentAs, fallback: item.fallback ?? null })),
		).toEqual([
			{ sentAs: 'text', fallback: null },
			{ sentAs: 'text', fallback: null },
			{
				sentAs: 'template',
				fallback: expect.objectContaining({
					reason: 'windowClosed',
					detectedBy: 'store',
					template: 'welcome_named',
				}),
			},
		]);
		const toSina = await eventuallyMessagesTo(world, sina, 4);
		expect(toSina.map((message) => ({ type: message.type, text: message.renderedText }))).toEqual([
			{ type: 'text', text: answers[0].renderedText },
			{ type: 'text', text: followUpText(1) },
			{ type: 'text', text: followUpText(2) },
			{ type: 'template', text: CLOSED_WINDOW_TEMPLATE('Sina') },
		]);
		expect(toSina[3].template).toMatchObject({ name: 'welcome_named', language: 'en_US' });
		// The follow-ups are in the conversation, the template's text too: the assistant wrote it.
		const history = await world.store.getAiHistory({
			assistant: SALES_ASSISTANT,
			customer: sina.waId,
			limit: 50,
		});
		expect(history.messages.map(({ role, content }) => ({ role, content }))).toEqual([
			{ role: 'user', content: sinaAsks },
			{ role: 'assistant', content: answers[0].renderedText },
			{ role: 'assistant', content: followUpText(1) },
			{ role: 'assistant', content: followUpText(2) },
			{ role: 'assistant', content: followUpText(3) },
		]);
		// Each wait counted one follow-up of the sequence in the store.
		const sinaWaits = await Promise.all(
			noReplies.map(
				async (item) => await world.store.getWait((item.followUp as { waitId: string }).waitId),
			),
		);
		expect(
			sinaWaits.map((wait) => ({ sequence: wait?.sequence, followUp: wait?.followUp })),
		).toEqual([1, 2, 3].map((followUp) => ({ sequence: SEQUENCE, followUp })));
	}
}

/** A part of a scenario left running while the suite goes on; `finished()` rethrows its failure. */
export interface Background {
	finished(): Promise<void>;
}

function inBackground(part: () => Promise<void>): Background {
	// Settled at once into a value: a failure waits for finished() instead of being unhandled.
	const outcome = part().then(
		() => ({ failed: false as const }),
		(error: unknown) => ({ failed: true as const, error }),
	);
	return {
		finished: async () => {
			const settled = await outcome;
			if (settled.failed) throw settled.error;
		},
	};
}

function byWaId(a: { waId: string | null }, b: { waId: string | null }): number {
	return String(a.waId).localeCompare(String(b.waId));
}
