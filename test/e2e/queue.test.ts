/**
 * Examples 2, 4, 5 and 6 in n8n queue mode: a main process, one webhook processor and two workers
 * on PostgreSQL and Redis, the package's store on PostgreSQL. The same scenarios and assertions as
 * examples.test.ts: webhooks land on the webhook processor, executions run on the workers, waits
 * resume through the webhook processor and the leader's wait tracker.
 */
import {
	followUpAfterSilenceScenario,
	keywordOptInScenario,
	leadQualificationScenario,
	marketingPushScenario,
	publishInbox,
} from '../helpers/exampleScenarios';
import { startWorld, type World } from '../helpers/e2eWorld';

describe('the example workflows in n8n queue mode (main, webhook processor, two workers, PostgreSQL, Redis)', () => {
	let world: World;

	beforeAll(async () => {
		world = await startWorld({ queue: true });
	});

	afterAll(async () => {
		await world?.stop();
	});

	it('runs n8n in queue mode, the store on PostgreSQL', () => {
		expect(world.n8n.mode).toBe('queue');
		expect(world.n8n.webhookBaseUrl).not.toBe(world.n8n.baseUrl);
		expect(world.store.backend).toBe('postgres');
	});

	it('2. lead qualification', async () => {
		await leadQualificationScenario(world);
		// The trigger's runs were enqueued by the webhook processor.
		expect(world.n8n.logs()).toMatch(/^\[webhook-1\] Enqueued execution \d+ /m);
	});

	it('6. keyword opt-in', async () => {
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

		it('4. marketing push', async () => {
			await marketingPushScenario(world);
		});

		it('5. follow-up after silence', async () => {
			await followUpAfterSilenceScenario(world, { waitSeconds: 60, restart: false });
		});
	});

	it('ran every execution on a worker, those started from the editor included', async () => {
		const executions = await world.n8n.api.listExecutions();
		const logs = world.n8n.logs();

		expect(executions.filter((execution) => execution.mode === 'manual')).toHaveLength(2);
		for (const { id } of executions) {
			expect(logs).toMatch(new RegExp(`^\\[worker-[12]\\] Worker finished execution ${id} `, 'm'));
		}
	});
});
