/**
 * The six example workflows of examples/, imported into the pinned n8n (one process, SQLite, the
 * package's store on SQLite) and driven end to end through the Cloud API emulator. The scenarios
 * and their assertions live in test/helpers/exampleScenarios.ts; queue.test.ts runs them in queue
 * mode.
 */
import {
	appointmentRemindersScenario,
	callEndedScenario,
	followUpAfterSilenceScenario,
	keywordOptInScenario,
	leadQualificationScenario,
	marketingPushScenario,
	publishInbox,
} from '../helpers/exampleScenarios';
import { startWorld, type World } from '../helpers/e2eWorld';

describe('the example workflows in a real n8n (SQLite)', () => {
	let world: World;

	beforeAll(async () => {
		world = await startWorld();
	});

	afterAll(async () => {
		await world?.stop();
	});

	it('1. call ended: waits, branches on the call result and sends the template of the branch', async () => {
		await callEndedScenario(world);
	});

	it('3. appointment reminders: one template per appointment with its four variables', async () => {
		await appointmentRemindersScenario(world);
	});

	// The account's webhooks go to one workflow at a time: 2 and 6 publish their own trigger, and
	// 4 and 5 rely on a workflow with just the trigger, published in between.
	it('2. lead qualification: the assistant remembers the customer, asks for opt-in once, honours STOP', async () => {
		await leadQualificationScenario(world);
	});

	it('6. keyword opt-in: asks unknown contacts, waits for the tap, sends the campaign only after a yes', async () => {
		await keywordOptInScenario(world);
	});

	describe('with a trigger workflow recording the replies', () => {
		let unpublishInbox: () => Promise<void>;

		beforeAll(async () => {
			unpublishInbox = await publishInbox(world);
		});

		afterAll(async () => {
			await unpublishInbox?.();
		});

		it('4. marketing push: only opted-in contacts get the template; STOP, INFOSTOP and Stop promotions are honoured', async () => {
			await marketingPushScenario(world);
		});

		it('5. follow-up after silence, across a restart of n8n: a reply resumes on Replied (AI answer), silence times out to the reminder', async () => {
			await followUpAfterSilenceScenario(world, { waitSeconds: 90, restart: true });
		});
	});
});
