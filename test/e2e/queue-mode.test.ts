import { startN8n, type N8nInstance } from '../../scripts/harness';
import { echoWorkflow } from './fixtures/workflows';

describe('the n8n harness in queue mode (main, webhook processor, two workers, PostgreSQL, Redis)', () => {
	let n8n: N8nInstance;

	beforeAll(async () => {
		n8n = await startN8n({ queue: { workers: 2, webhookProcessors: 1 } });
	});

	afterAll(async () => {
		await n8n?.stop();
	});

	it('serves production webhooks from the webhook processor and runs them on the workers', async () => {
		const workflow = await n8n.api.importWorkflow(echoWorkflow('queue-echo'));
		await n8n.api.publishWorkflow(workflow.id);

		const replies = [];
		for (const ping of ['one', 'two', 'three']) {
			replies.push(await n8n.webhook('queue-echo', { body: { ping } }));
		}

		expect(n8n.mode).toBe('queue');
		expect(n8n.webhookBaseUrl).not.toBe(n8n.baseUrl);
		expect(replies.map((reply) => reply.json)).toEqual([
			{ pong: 'one' },
			{ pong: 'two' },
			{ pong: 'three' },
		]);
		const executions = await n8n.api.listExecutions({ workflowId: workflow.id });
		expect(executions.map((execution) => execution.status)).toEqual([
			'success',
			'success',
			'success',
		]);
		const logs = n8n.logs();
		for (const { id } of executions) {
			expect(logs).toMatch(new RegExp(`^\\[webhook-1\\] Enqueued execution ${id} `, 'm'));
			expect(logs).toMatch(new RegExp(`^\\[worker-[12]\\] Worker finished execution ${id} `, 'm'));
		}
	});
});
