/**
 * The example workflows of examples/ driven end to end in a real n8n, as a customer and a business
 * would: the emulator plays Meta and the customers, the assertions read what the business sent
 * (the emulator's control API), which branches ran (n8n's executions) and what was recorded (the
 * credential's store). Shared by the SQLite suite and the queue-mode suite, which run the same
 * assertions.
 *
 * What the tests change in an example before importing it: the credential ids (always), and time
 * limits a test cannot sit through (named where they are patched).
 */
import { DateTime } from 'luxon';

import {
	customer,
	customerTaps,
	customerTapsQuickReply,
	customerWrites,
	eventuallyMessagesTo,
	executionError,
	executionsOf,
	finishedExecution,
	importWorkflow,
	inboxWorkflow,
	messagesTo,
	nodesThatRan,
	outputOf,
	patchParameters,
	readExample,
	runFromEditor,
	settledExecutions,
	waitingExecutions,
	unpublishTrigger,
	type Customer,
	type World,
} from './e2eWorld';
import { EXAMPLES } from './examples';

const OPT_IN_BUTTON = { id: 'consent:opt_in', title: 'Yes, please' };
const DECLINE_BUTTON = { id: 'consent:decline', title: 'No, thanks' };

/** The reply of the local model (test/tools/openaiCompatibleServer.ts's default responder). */
function modelReply(turn: number, text: string): string {
	return `(turn ${turn}) You said: "${text}"`;
}

/** The whole conversation the model was last sent, as one text, to look for prompt parts in it. */
function lastPromptText(world: World): string {
	const requests = world.model.chatRequests();
	const last = requests[requests.length - 1];
	return (last?.messages ?? []).map((message) => `${message.role}: ${message.content}`).join('\n');
}

/** Publishes the workflow that holds the account's webhooks for the scenarios below; returns an undo. */
export async function publishInbox(world: World): Promise<() => Promise<void>> {
	const id = await importWorkflow(world, inboxWorkflow(), { publish: true });
	return async () => await unpublishTrigger(world, id);
}

// ---------------------------------------------------------------- 1. call ended

export async function callEndedScenario(world: World): Promise<void> {
	// The example pauses two minutes after the call; a test cannot sit through that.
	const workflow = patchParameters(await readExample(EXAMPLES.callEnded), {
		'Wait 2 Minutes': { amount: 1, unit: 'seconds' },
	});
	const workflowId = await importWorkflow(world, workflow, { publish: true });
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

export async function appointmentRemindersScenario(world: World): Promise<void> {
	const workflowId = await importWorkflow(world, await readExample(EXAMPLES.appointmentReminders));
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

/** Needs the account's webhooks free: it publishes a workflow with a trigger. Unpublishes it at the end. */
export async function leadQualificationScenario(world: World): Promise<void> {
	const workflowId = await importWorkflow(world, await readExample(EXAMPLES.leadQualification), {
		publish: true,
	});
	try {
		await leadConversation(world, workflowId);
	} finally {
		await unpublishTrigger(world, workflowId);
	}
}

async function leadConversation(world: World, workflowId: string): Promise<void> {
	const anna = customer('Anna', '+4917620000001');
	const ben = customer('Ben', '+4917620000002');
	let runs = (await executionsOf(world, workflowId)).length;
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
	const prompt = lastPromptText(world);
	expect(prompt).toContain('You are Mia, the WhatsApp assistant of Sunny Solar');
	expect(prompt).toContain('Customer name: Anna');

	// The second message: the model sees the conversation so far; no second opt-in question.
	const second = 'About 40 m², postcode 80331';
	await customerWrites(world, anna, second);
	await nextRun();
	const afterSecond = await eventuallyMessagesTo(world, anna, 3);
	expect(afterSecond[2]).toMatchObject({ type: 'text', renderedText: modelReply(2, second) });
	expect(lastPromptText(world)).toContain(modelReply(1, first));

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
	const toBen = await eventuallyMessagesTo(world, ben, 1);
	expect(toBen.map((message) => message.renderedText)).toEqual([
		'You will not receive any more messages from us. Reply START if you change your mind.',
	]);
	expect(await world.store.getConsent(world.account, ben.waId)).toMatchObject({
		status: 'blocked',
		source: 'keyword',
	});
	const [stop] = await world.store.getConsentHistory(world.account, ben.waId);
	expect(stop.evidence).toMatchObject({ text: 'STOP', messageIds: [stopId] });
}

// ---------------------------------------------------------------- 4. marketing push

/** Needs a published trigger workflow (publishInbox) that records STOP, INFOSTOP and START. */
export async function marketingPushScenario(world: World): Promise<void> {
	const workflowId = await importWorkflow(world, await readExample(EXAMPLES.marketingPush));
	// The example's sample segment.
	const anna = customer('Anna', '+4915112350001');
	const ben = customer('Ben', '+4915112350002');
	const clara = customer('Clara', '+4915112350003');
	const david = customer('David', '+4915112350004');

	await customerWrites(world, anna, 'START');
	await customerWrites(world, ben, 'START');
	const infostopId = await customerWrites(world, ben, 'INFOSTOP');
	await customerWrites(world, clara, 'START');
	await customerWrites(world, clara, 'Stop');

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
	for (const who of [ben, clara, david]) expect(await messagesTo(world, who)).toEqual([]);

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
	expect(await messagesTo(world, anna)).toHaveLength(1);
}

// ---------------------------------------------------------------- 5. follow-up after silence

export interface FollowUpOptions {
	/** The example waits 4 hours; the test shortens it to this many seconds. */
	waitSeconds: number;
	/** Restart n8n while both executions wait. */
	restart: boolean;
}

/** Needs a published trigger workflow (publishInbox): it hands the reply to the waiting execution. */
export async function followUpAfterSilenceScenario(
	world: World,
	options: FollowUpOptions,
): Promise<void> {
	const workflow = patchParameters(await readExample(EXAMPLES.followUpAfterSilence), {
		'Wait for Reply (4 h)': { amount: options.waitSeconds, unit: 'seconds' },
	});
	const workflowId = await importWorkflow(world, workflow, { publish: true });
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
	expect(lastPromptText(world)).toContain(
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
}

// ---------------------------------------------------------------- 6. keyword opt-in

/** Needs the account's webhooks free: it publishes a workflow with a trigger. Unpublishes it at the end. */
export async function keywordOptInScenario(world: World): Promise<void> {
	const workflowId = await importWorkflow(world, await readExample(EXAMPLES.promoOptIn), {
		publish: true,
	});
	try {
		await keywordConversations(world, workflowId);
	} finally {
		await unpublishTrigger(world, workflowId);
	}
}

const CAMPAIGN =
	'Here is your spring code: SPRING20 for 20% off everything until Sunday at https://shop.example.com/sale/spring\n\nReply INFOSTOP to stop marketing messages';

async function keywordConversations(world: World, workflowId: string): Promise<void> {
	const zoe = customer('Zoe', '+4917660000001');
	const yara = customer('Yara', '+4917660000002');
	const xena = customer('Xena', '+4917660000003');
	const walt = customer('Walt', '+4917660000004');

	// Not the keyword: recorded (START opts Zoe in, STOP blocks Walt) but nothing starts.
	await customerWrites(world, zoe, 'START');
	await customerWrites(world, walt, 'STOP');
	await customerWrites(world, yara, 'Hello, what is this?');

	// Already opted in: the campaign at once.
	await customerWrites(world, zoe, 'PROMO');
	// Stopped all messages: nothing.
	await customerWrites(world, walt, 'PROMO');
	// Unknown: asked first, in any case of the keyword.
	await customerWrites(world, yara, 'promo');
	await customerWrites(world, xena, 'PROMO');

	const [, , yaraRun, xenaRun] = await waitingAndFinished(world, workflowId);
	const [toZoe] = await eventuallyMessagesTo(world, zoe, 1);
	expect(toZoe).toMatchObject({ type: 'text', renderedText: CAMPAIGN });
	expect(await messagesTo(world, walt)).toEqual([]);
	const [yaraQuestion] = await eventuallyMessagesTo(world, yara, 1);
	const [xenaQuestion] = await eventuallyMessagesTo(world, xena, 1);
	for (const question of [yaraQuestion, xenaQuestion]) {
		expect(question.type).toBe('interactive');
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
	const toYara = await eventuallyMessagesTo(world, yara, 2);
	expect(toYara[1]).toMatchObject({ type: 'text', renderedText: CAMPAIGN });
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
	expect(await messagesTo(world, xena)).toHaveLength(1);

	// Four PROMO messages, four runs: the other messages started nothing.
	expect(await executionsOf(world, workflowId)).toHaveLength(4);
}

/**
 * The four runs of the keyword scenario, oldest first: Zoe's and Walt's finished, Yara's and
 * Xena's waiting for the answer.
 */
async function waitingAndFinished(world: World, workflowId: string): Promise<string[]> {
	const waiting = await waitingExecutions(world, workflowId, 2);
	const all = await executionsOf(world, workflowId);
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
