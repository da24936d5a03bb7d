/**
 * The example workflows of examples/, imported and published at once into the pinned n8n (one
 * process, SQLite, the package's store on SQLite) as the sandbox publishes them, and driven end to
 * end through the Cloud API emulator while all of them are live: examples 2, 6, 9 and 10 share the
 * account's webhooks (the bot as fallback, PROMO, the quote requests and "delete my data" as
 * keyword flows), 4 and 5
 * rely on the trigger of example 2 recording replies and resuming waits. The scenarios and their assertions live in
 * test/helpers/exampleScenarios.ts; queue.test.ts runs them in queue mode.
 */
import {
	aiFollowUpSequenceScenario,
	appointmentRemindersScenario,
	callEndedScenario,
	deleteMyDataScenario,
	expectTriggerRoutes,
	followUpAfterSilenceScenario,
	keywordOptInNoAnswerScenario,
	keywordOptInScenario,
	leadQualificationScenario,
	marketingPushScenario,
	publishAllExamples,
	type Background,
	type PublishedExamples,
} from '../helpers/exampleScenarios';
import { startWorld, type World } from '../helpers/e2eWorld';
import { campaignReportScenario } from '../helpers/reportScenarios';

/** Every wait of example 9's sequence: above a minute, so n8n's wait tracker ends it on time. */
const SEQUENCE_WAIT_SECONDS = 75;

describe('the example workflows in a real n8n (SQLite), all published at once', () => {
	let world: World;
	let examples: PublishedExamples;

	beforeAll(async () => {
		world = await startWorld();
		examples = await publishAllExamples(world, {
			followUpWaitSeconds: 90,
			optInWaitSeconds: 60,
			deleteWaitSeconds: 60,
			followUpSequenceWaitSeconds: SEQUENCE_WAIT_SECONDS,
		});
	});

	afterAll(async () => {
		await world?.stop();
	});

	it('example 2’s trigger holds Meta’s callback; examples 6, 9 and 10 are routes beside it', async () => {
		await expectTriggerRoutes(world, examples);
	});

	it('1. call ended: waits, branches on the call result and sends the template of the branch', async () => {
		await callEndedScenario(world, examples);
	});

	it('2. lead qualification: the assistant remembers the customer, asks for opt-in once, honours STOP', async () => {
		await leadQualificationScenario(world, examples);
	});

	it('3. appointment reminders: one template per appointment with its four variables', async () => {
		await appointmentRemindersScenario(world, examples);
	});

	it('4. marketing push: only opted-in contacts get the template; STOP, INFOSTOP and Stop promotions are honoured and confirmed once', async () => {
		await marketingPushScenario(world, examples);
	});

	it('5. follow-up after silence, across a restart of n8n: a reply resumes on Replied (AI answer, not the bot too), silence times out to the reminder', async () => {
		await followUpAfterSilenceScenario(world, examples, { restart: true });
	});

	// Example 9's silent customer waits four times; the scenarios after it run meanwhile.
	let silentCustomer: Background;
	it('9. AI follow-up sequence: a reply ends the sequence on Replied, a booking cancels it', async () => {
		silentCustomer = await aiFollowUpSequenceScenario(world, examples, {
			waitSeconds: SEQUENCE_WAIT_SECONDS,
		});
	});

	it('6. keyword opt-in: PROMO asks unknown contacts, waits for the tap, sends the campaign only after a yes; other messages go to the bot', async () => {
		await keywordOptInScenario(world, examples);
	});

	it('6. keyword opt-in, no answer: the wait runs out; an open window gets a closing message, a closed one nothing; consent stays unknown', async () => {
		await keywordOptInNoAnswerScenario(world, examples);
	});

	it('10. delete my data: the request in the customer’s words, a confirmation tap, the erasure and its confirmation leave nothing of the contact in the store; No and silence delete nothing', async () => {
		await deleteMyDataScenario(world, examples);
	});

	it('7 and 8. campaign report and re-send to unread: the campaign’s statuses, replies and opt-outs counted; delivered-but-unread recipients reminded once, opted-out ones skipped', async () => {
		await campaignReportScenario(world, examples);
	});

	it('9. AI follow-up sequence: the AI follows up a silent customer up to the cap (the template once the window closed), then Limit Reached', async () => {
		expect(silentCustomer).toBeDefined();
		await silentCustomer.finished();
	}, 600_000);
});
