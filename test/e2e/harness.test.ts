import { startN8n, type N8nInstance } from '../../scripts/harness';
import { echoWorkflow, manualAnswerWorkflow } from './fixtures/workflows';

describe('the n8n harness (SQLite)', () => {
	let n8n: N8nInstance;

	beforeAll(async () => {
		n8n = await startN8n();
	});

	afterAll(async () => {
		await n8n?.stop();
	});

	it('imports and publishes a workflow whose production webhook answers and is recorded', async () => {
		const workflow = await n8n.api.importWorkflow(echoWorkflow('harness-echo'));
		await n8n.api.publishWorkflow(workflow.id);

		const reply = await n8n.webhook('harness-echo', { body: { ping: 'hello' } });

		expect(reply.status).toBe(200);
		expect(reply.json).toEqual({ pong: 'hello' });
		const executions = await n8n.api.listExecutions({ workflowId: workflow.id });
		expect(executions.map((execution) => execution.status)).toEqual(['success']);
	});

	it('creates a credential of the package type pointed at a local base URL', async () => {
		const credential = await n8n.api.createCredential({
			name: 'WhatsApp (emulator)',
			type: 'whatsAppCloudApi',
			data: {
				accessToken: 'e2e-token',
				businessAccountId: '100000000000001',
				baseUrl: 'http://127.0.0.1:9',
			},
		});

		expect(credential).toMatchObject({ name: 'WhatsApp (emulator)', type: 'whatsAppCloudApi' });
		expect(credential.id).toEqual(expect.any(String));
	});

	it('keeps published workflows and their data across a restart', async () => {
		const workflow = await n8n.api.importWorkflow(echoWorkflow('harness-restart'));
		await n8n.api.publishWorkflow(workflow.id);

		await n8n.restart();
		const reply = await n8n.webhook('harness-restart', { body: { ping: 'again' } });

		expect(reply.json).toEqual({ pong: 'again' });
		expect(await n8n.api.listExecutions({ workflowId: workflow.id })).toHaveLength(1);
	});

	it('runs a workflow from its manual trigger and returns the finished execution', async () => {
		const workflow = await n8n.api.importWorkflow(manualAnswerWorkflow());

		const execution = await n8n.api.runWorkflow(workflow.id);

		expect(execution).toMatchObject({ status: 'success', mode: 'manual' });
		expect(execution.data?.resultData.runData.Answer).toEqual([
			expect.objectContaining({
				data: { main: [[expect.objectContaining({ json: { answer: 42 } })]] },
			}),
		]);
	});

	it('answers 404 for a webhook no published workflow has', async () => {
		const reply = await n8n.webhook('no-such-path', { body: {} });

		expect(reply.status).toBe(404);
	});
});
