/**
 * What reaches the pipeline: only signed WhatsApp webhooks of sane size; everything else gets a
 * 4xx, starts nothing and writes nothing. And the hub.challenge handshake.
 */
import { deriveVerifyToken, MAX_WEBHOOK_BODY_BYTES } from '../../lib/inbound';
import { closeAllStores, createStore, type Store } from '../../lib/store';
import { metaFixture } from '../helpers/metaFixtures';
import {
	APP_SECRET,
	tempSqlitePath,
	triggerCredentials,
	triggerFixture,
} from '../helpers/triggerSetup';
import { callTriggerWebhook, metaPost, metaSignature } from '../helpers/webhookHarness';

const TEXT = metaFixture('webhooks/post-request/text-message.json');
const WAMID = TEXT.entry[0].changes[0].value.messages[0].id as string;

afterAll(async () => {
	await closeAllStores();
});

/** Whether the store recorded the message: the proof that a refused call wrote nothing. */
async function wasRecorded(sqlitePath: string): Promise<boolean> {
	await closeAllStores();
	const store: Store = await createStore({ backend: 'sqlite', path: sqlitePath });
	try {
		return !(await store.markSeen(`msg:${WAMID}`, Date.now()));
	} finally {
		await store.close();
	}
}

describe('X-Hub-Signature-256', () => {
	it('a valid signature starts the workflow', async () => {
		const call = await callTriggerWebhook(triggerFixture(), metaPost(TEXT, APP_SECRET));
		expect(call.status).toBe(200);
		expect(call.workflowData?.[0]).toHaveLength(1);
	});

	it.each([
		['missing', metaPost(TEXT, null)],
		['signed with another secret', metaPost(TEXT, 'the-wrong-app-secret')],
		[
			'not matching the body',
			{
				...metaPost(TEXT, APP_SECRET),
				rawBody: Buffer.from(JSON.stringify(TEXT).replace('another color', 'another colour')),
			},
		],
		[
			'malformed',
			{
				...metaPost(TEXT, APP_SECRET),
				headers: { 'content-type': 'application/json', 'x-hub-signature-256': 'sha256=xyz' },
			},
		],
	])('%s → 401, no run, nothing recorded', async (_case, input) => {
		const sqlitePath = tempSqlitePath();
		const fixture = triggerFixture({}, triggerCredentials({ sqlitePath }));
		const call = await callTriggerWebhook(fixture, input);
		expect(call.status).toBe(401);
		expect(call.workflowData).toBeUndefined();
		expect(call.threw).toBeUndefined();
		expect(await wasRecorded(sqlitePath)).toBe(false);
	});

	it('is checked on the raw bytes: the same JSON with other whitespace, signed as sent, passes', async () => {
		const raw = JSON.stringify(TEXT, null, 3);
		const call = await callTriggerWebhook(triggerFixture(), {
			rawBody: raw,
			headers: {
				'content-type': 'application/json',
				'x-hub-signature-256': metaSignature(raw, APP_SECRET),
			},
		});
		expect(call.status).toBe(200);
		expect(call.workflowData?.[0]).toHaveLength(1);
	});

	it('without an app secret in the credential (a provider that does not sign), unsigned calls pass', async () => {
		const fixture = triggerFixture({}, triggerCredentials({ appSecret: '' }));
		const call = await callTriggerWebhook(fixture, metaPost(TEXT, null));
		expect(call.status).toBe(200);
		expect(call.workflowData?.[0]).toHaveLength(1);
	});
});

describe('bodies that are not WhatsApp webhooks', () => {
	it.each([
		['a wrong "object"', { object: 'page', entry: [] }],
		['no entry list', { object: 'whatsapp_business_account' }],
		['a JSON array', [TEXT]],
	])('%s → 400 naming the problem, no run', async (_case, body) => {
		const call = await callTriggerWebhook(triggerFixture(), metaPost(body, APP_SECRET));
		expect(call.status).toBe(400);
		expect(call.body).toMatch(/object|entry|JSON object/);
		expect(call.workflowData).toBeUndefined();
	});

	it('malformed JSON sent as JSON is refused by n8n before the node (422), the node never runs', async () => {
		const call = await callTriggerWebhook(
			triggerFixture(),
			metaPost('{"object": "whatsapp_', APP_SECRET),
		);
		expect(call.status).toBe(422);
		expect(call.workflowData).toBeUndefined();
	});

	it('malformed JSON under another content type reaches the node, which answers 400', async () => {
		const raw = '{"object": "whatsapp_';
		const call = await callTriggerWebhook(triggerFixture(), {
			rawBody: raw,
			headers: {
				'content-type': 'text/plain',
				'x-hub-signature-256': metaSignature(raw, APP_SECRET),
			},
		});
		expect(call.status).toBe(400);
		expect(call.body).toMatch(/not JSON/);
		expect(call.workflowData).toBeUndefined();
	});

	it('an oversized body → 413, no run', async () => {
		const raw = Buffer.alloc(MAX_WEBHOOK_BODY_BYTES + 1, 0x20);
		const call = await callTriggerWebhook(triggerFixture(), {
			rawBody: raw,
			headers: {
				'content-type': 'text/plain',
				'x-hub-signature-256': metaSignature(raw, APP_SECRET),
			},
		});
		expect(call.status).toBe(413);
		expect(call.workflowData).toBeUndefined();
	});

	it('a POST without a body → 400', async () => {
		const call = await callTriggerWebhook(triggerFixture(), { method: 'POST' });
		expect(call.status).toBe(400);
		expect(call.workflowData).toBeUndefined();
	});
});

describe('hub.challenge (GET)', () => {
	const challenge = (verifyToken: string, mode = 'subscribe') => ({
		method: 'GET' as const,
		query: { 'hub.mode': mode, 'hub.verify_token': verifyToken, 'hub.challenge': '1158201444' },
	});

	it('manual mode: the node’s Verify Token → 200 with the challenge as plain text', async () => {
		const fixture = triggerFixture({
			registration: 'manual',
			verifyToken: 'a-long-random-verify-token',
		});
		const call = await callTriggerWebhook(fixture, challenge('a-long-random-verify-token'));
		expect(call.status).toBe(200);
		expect(call.body).toBe('1158201444');
		expect(call.contentType).toMatch(/^text\/plain/);
		expect(call.workflowData).toBeUndefined();
	});

	it('manual mode: a wrong token → 403, no challenge echoed', async () => {
		const fixture = triggerFixture({
			registration: 'manual',
			verifyToken: 'a-long-random-verify-token',
		});
		const call = await callTriggerWebhook(fixture, challenge('guessed-token'));
		expect(call.status).toBe(403);
		expect(call.body).not.toContain('1158201444');
	});

	it('manual mode without a Verify Token → 403', async () => {
		const call = await callTriggerWebhook(
			triggerFixture({ registration: 'manual' }),
			challenge(''),
		);
		expect(call.status).toBe(403);
	});

	it('registered modes: the token derived from workflow, node and app secret → 200; another → 403', async () => {
		const fixture = triggerFixture({ registration: 'accountOverride' });
		const derived = deriveVerifyToken({
			workflowId: 'wf-trigger-test',
			nodeId: 'node-trigger-test',
			secret: APP_SECRET,
		});
		expect((await callTriggerWebhook(fixture, challenge(derived))).body).toBe('1158201444');
		const otherNode = deriveVerifyToken({
			workflowId: 'wf-trigger-test',
			nodeId: 'other',
			secret: APP_SECRET,
		});
		expect((await callTriggerWebhook(fixture, challenge(otherNode))).status).toBe(403);
	});

	it('a GET that is not a subscription request → 403', async () => {
		const fixture = triggerFixture({
			registration: 'manual',
			verifyToken: 'a-long-random-verify-token',
		});
		const call = await callTriggerWebhook(
			fixture,
			challenge('a-long-random-verify-token', 'unsubscribe'),
		);
		expect(call.status).toBe(403);
	});
});
