/**
 * The example workflows in n8n queue mode: a main process, one webhook processor and two
 * workers on PostgreSQL and Redis, the package's store on PostgreSQL. All of them are published at
 * once, as in examples.test.ts, with the same scenarios and assertions: webhooks land on the
 * webhook processor, executions run on the workers, waits resume through the webhook processor
 * and the leader's wait tracker.
 */
import {
	aiFollowUpSequenceScenario,
	appointmentRemindersScenario,
	callEndedScenario,
	expectTriggerRoutes,
	followUpAfterSilenceScenario,
	keywordOptInScenario,
	leadQualificationScenario,
	marketingPushScenario,
	publishAllExamples,
	type Background,
	type PublishedExamples,
} from '../helpers/exampleScenarios';
import { startWorld, type World } from '../helpers/e2eWorld';

/** Every wait of example 9's sequence: above a minute, so n8n's wait tracker ends it on time. */
const SEQUENCE_WAIT_SECONDS = 75;

describe('the example workflows in n8n queue mode (main, webhook processor, two workers, PostgreSQL, Redis), all published at once', () => {
	let world: World;
	let examples: PublishedExamples;

	beforeAll(async () => {
		world = await startWorld({ queue: true });
		examples = await publishAllExamples(world, {
			followUpWaitSeconds: 60,
			followUpSequenceWaitSeconds: SEQUENCE_WAIT_SECONDS,
		});
	});

	afterAll(async () => {
		await world?.stop();
	});

	it('runs n8n in queue mode, the store on PostgreSQL', () => {
		expect(world.n8n.mode).toBe('queue');
		expect(world.n8n.webhookBaseUrl).not.toBe(world.n8n.baseUrl);
		expect(world.store.backend).toBe('postgres');
	});

	it('example 2’s trigger holds Meta’s callback; examples 6, 9 and 10 are routes beside it', async () => {
		await expectTriggerRoutes(world, examples);
	});

	// Example 9's silent customer waits four times; the other scenarios run meanwhile.
	let silentCustomer: Background;
	it('9. AI follow-up sequence: a reply and a booking', async () => {
		silentCustomer = await aiFollowUpSequenceScenario(world, examples, {
			waitSeconds: SEQUENCE_WAIT_SECONDS,
		});
	});

	it('1. call ended', async () => {
		await callEndedScenario(world, examples);
	});

	it('2. lead qualification', async () => {
		await leadQualificationScenario(world, examples);
		// The trigger's runs were enqueued by the webhook processor.
		expect(world.n8n.logs()).toMatch(/^\[webhook-1\] Enqueued execution \d+ /m);
	});

	it('3. appointment reminders', async () => {
		await appointmentRemindersScenario(world, examples);
	});

	it('4. marketing push', async () => {
		await marketingPushScenario(world, examples);
	});

	it('5. follow-up after silence', async () => {
		await followUpAfterSilenceScenario(world, examples, { restart: false });
	});

	it('6. keyword opt-in', async () => {
		await keywordOptInScenario(world, examples);
	});

	it('9. AI follow-up sequence: the silent customer', async () => {
		expect(silentCustomer).toBeDefined();
		await silentCustomer.finished();
	}, 600_000);

	it('ran every execution on a worker, those started from the editor included', async () => {
		const executions = await world.n8n.api.listExecutions();
		const logs = world.n8n.logs();

		// Example 3 once, example 4 twice.
		expect(executions.filter((execution) => execution.mode === 'manual')).toHaveLength(3);
		for (const { id } of executions) {
			expect(logs).toMatch(new RegExp(`^\\[worker-[12]\\] Worker finished execution ${id} `, 'm'));
		}
	});
});
