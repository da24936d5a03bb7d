/**
 * What reaches the pipeline: only signed WhatsApp webhooks of sane size and of the credential's
 * own account; everything else gets a short generic 4xx (the reason goes to n8n's log), starts
 * nothing and writes nothing. And the hub.challenge handshake.
 */
import { deriveVerifyToken, MAX_WEBHOOK_BODY_BYTES, MAX_WEBHOOK_EVENTS } from '../../lib/inbound';
import { closeAllStores, createStore, type Store } from '../../lib/store';
import { metaFixture } from '../helpers/metaFixtures';
import {
	APP_SECRET,
	tempSqlitePath,
	textMessagesBody,
	triggerCredentials,
	triggerFixture,
	unixNow,
	WABA_ID,
} from '../helpers/triggerSetup';
import {
	callTriggerWebhook,
	metaPost,
	metaSignature,
	runWebhookMethod,
	type LogLine,
	type WebhookCallResult,
} from '../helpers/webhookHarness';

const TEXT = metaFixture('webhooks/post-request/text-message.json');
const WAMID = TEXT.entry[0].changes[0].value.messages[0].id as string;

afterAll(async () => {
	await closeAllStores();
});

/** Whether the store recorded the message: the proof that a refused call wrote nothing. */
async function wasRecorded(sqlitePath: string, wamid = WAMID): Promise<boolean> {
	await closeAllStores();
	const store: Store = await createStore({ backend: 'sqlite', path: sqlitePath });
	try {
		return !(await store.markSeen(`msg:${wamid}`, Date.now()));
	} finally {
		await store.close();
	}
}

/** The store's consent of a customer of the account: unknown unless something was recorded. */
async function consentOf(sqlitePath: string, account: string, waId: string): Promise<string> {
	await closeAllStores();
	const store: Store = await createStore({ backend: 'sqlite', path: sqlitePath });
	try {
		return (await store.getConsent(account, waId)).status;
	} finally {
		await store.close();
	}
}

function warnings(logs: LogLine[]): string {
	return logs
		.filter((line) => line.level === 'warn')
		.map((line) => line.message)
		.join('\n');
}

/** A refusal says only the status text; the reason is in n8n's log. */
function expectRefused(call: WebhookCallResult, status: number, body: string, logged: RegExp) {
	expect(call.status).toBe(status);
	expect(call.body).toBe(body);
	expect(call.workflowData).toBeUndefined();
	expect(call.threw).toBeUndefined();
	expect(warnings(call.logs)).toMatch(logged);
}

const CUSTOMER = '4915112345678';

/** A customer's STOP, as a forger would send it. */
function stopBody(account = WABA_ID): Record<string, any> {
	const body = textMessagesBody([
		{ id: 'wamid.forged-stop', from: CUSTOMER, text: 'STOP', timestamp: unixNow(5) },
	]) as Record<string, any>;
	body.entry[0].id = account;
	return body;
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
	])(
		'%s → 401 "Unauthorized", no run, nothing recorded, the reason logged',
		async (_case, input) => {
			const sqlitePath = tempSqlitePath();
			const fixture = triggerFixture({}, triggerCredentials({ sqlitePath }));
			const call = await callTriggerWebhook(fixture, input);
			expectRefused(call, 401, 'Unauthorized', /X-Hub-Signature-256/);
			expect(await wasRecorded(sqlitePath)).toBe(false);
		},
	);

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

	it('without an app secret in the credential, an unsigned call is refused: a forged STOP blocks no one and sends nothing', async () => {
		const sqlitePath = tempSqlitePath();
		const fixture = triggerFixture(
			{ options: { confirmOptOut: true } },
			triggerCredentials({ appSecret: '', sqlitePath }),
		);
		const call = await callTriggerWebhook(fixture, metaPost(stopBody(), null));
		expectRefused(call, 401, 'Unauthorized', /no App Secret.*Accept Unsigned Deliveries/);
		expect(call.requests).toEqual([]);
		expect(await wasRecorded(sqlitePath, 'wamid.forged-stop')).toBe(false);
		expect(await consentOf(sqlitePath, WABA_ID, CUSTOMER)).toBe('unknown');
	});

	it('without an app secret, "Accept Unsigned Deliveries (Insecure)" lets unsigned calls pass (a provider that does not sign)', async () => {
		const fixture = triggerFixture(
			{ options: { acceptUnsignedDeliveries: true } },
			triggerCredentials({ appSecret: '' }),
		);
		const call = await callTriggerWebhook(fixture, metaPost(TEXT, null));
		expect(call.status).toBe(200);
		expect(call.workflowData?.[0]).toHaveLength(1);
	});

	it('with an app secret, the option changes nothing: unsigned calls are still refused', async () => {
		const fixture = triggerFixture({ options: { acceptUnsignedDeliveries: true } });
		const call = await callTriggerWebhook(fixture, metaPost(TEXT, null));
		expectRefused(call, 401, 'Unauthorized', /header is missing/);
	});

	it('the option is off by default and says what it risks; a notice shows while it is on', () => {
		const { properties } = triggerFixture().node.description;
		const options = properties.find((property) => property.name === 'options')?.options as Array<
			Record<string, any>
		>;
		const option = options.find((entry) => entry.name === 'acceptUnsignedDeliveries');
		expect(option).toMatchObject({
			displayName: 'Accept Unsigned Deliveries (Insecure)',
			type: 'boolean',
			default: false,
		});
		expect(option?.description).toMatch(/BSP proxy.*forge/s);
		const notice = properties.find((property) => property.name === 'unsignedDeliveriesNotice');
		expect(notice).toMatchObject({
			type: 'notice',
			displayOptions: { show: { '/options.acceptUnsignedDeliveries': [true] } },
		});
	});

	const withoutSecret = (accept: boolean) =>
		triggerFixture(
			{
				registration: 'manual',
				verifyToken: 'a-long-random-verify-token',
				options: { acceptUnsignedDeliveries: accept },
			},
			triggerCredentials({ appSecret: '' }),
		);

	it('publishing without an app secret fails, naming the App Secret and the insecure option', async () => {
		await expect(runWebhookMethod(withoutSecret(false), 'checkExists')).rejects.toThrow(
			/no App Secret.*refuse every one \(401\)/,
		);
	});

	it('publishing without an app secret but with the insecure option works and logs a warning', async () => {
		const { result, logs } = await runWebhookMethod(withoutSecret(true), 'checkExists');
		expect(result).toBe(true);
		expect(warnings(logs)).toMatch(/accepts UNSIGNED deliveries/);
	});

	it('activating with an app secret warns about nothing', async () => {
		const fixture = triggerFixture({
			registration: 'manual',
			verifyToken: 'a-long-random-verify-token',
		});
		expect((await runWebhookMethod(fixture, 'checkExists')).logs).toEqual([]);
	});
});

describe('regex keywords', () => {
	it('a pattern that could block n8n (^(\\w+\\s?)*$) fails activation, naming Keywords, the pattern and the fix', async () => {
		const fixture = triggerFixture({
			registration: 'manual',
			verifyToken: 'a-long-random-verify-token',
			keywords: 'promo\n^(\\w+\\s?)*$',
			keywordMatch: 'regex',
		});
		await expect(runWebhookMethod(fixture, 'checkExists')).rejects.toThrow(
			/Keywords.*"\^\(\\\\w\+\\\\s\?\)\*\$" is not in the safe subset.*Fix: /,
		);
	});
});

describe('events of another WhatsApp Business Account', () => {
	const OTHER_ACCOUNT = '555000111222333';

	it('are ignored: no store write, no run, no confirmation sent; a warning names the account', async () => {
		const sqlitePath = tempSqlitePath();
		const fixture = triggerFixture(
			{ events: ['messageReceived', 'consentChanged'], options: { confirmOptOut: true } },
			triggerCredentials({ sqlitePath }),
		);
		const call = await callTriggerWebhook(fixture, metaPost(stopBody(OTHER_ACCOUNT), APP_SECRET));
		expect(call.status).toBe(200);
		expect(call.workflowData).toBeUndefined();
		expect(call.requests).toEqual([]);
		expect(warnings(call.logs)).toMatch(
			new RegExp(`Ignored 1 webhook event.*${OTHER_ACCOUNT}.*${WABA_ID}`),
		);
		expect(JSON.stringify(call.logs)).not.toMatch(/trigger-test-token|trigger-test-app-secret/);
		expect(await wasRecorded(sqlitePath, 'wamid.forged-stop')).toBe(false);
		expect(await consentOf(sqlitePath, WABA_ID, CUSTOMER)).toBe('unknown');
		expect(await consentOf(sqlitePath, OTHER_ACCOUNT, CUSTOMER)).toBe('unknown');
	});

	it('in a mixed delivery, only the own account’s events are recorded and start the run', async () => {
		const sqlitePath = tempSqlitePath();
		const own = textMessagesBody([
			{ id: 'wamid.own', from: CUSTOMER, text: 'hello', timestamp: unixNow(5) },
		]) as Record<string, any>;
		const foreign = stopBody(OTHER_ACCOUNT);
		const body = { ...own, entry: [...own.entry, ...foreign.entry] };
		const fixture = triggerFixture({}, triggerCredentials({ sqlitePath }));
		const call = await callTriggerWebhook(fixture, metaPost(body, APP_SECRET));
		expect(call.status).toBe(200);
		expect(call.workflowData?.[0].map((item) => item.json.messageId)).toEqual(['wamid.own']);
		expect(await wasRecorded(sqlitePath, 'wamid.forged-stop')).toBe(false);
		expect(await wasRecorded(sqlitePath, 'wamid.own')).toBe(true);
	});
});

describe('bodies that are not WhatsApp webhooks', () => {
	it.each([
		['a wrong "object"', { object: 'page', entry: [] }],
		['no entry list', { object: 'whatsapp_business_account' }],
		['a JSON array', [TEXT]],
	])('%s → 400 "Bad Request", no run; the log names the problem', async (_case, body) => {
		const call = await callTriggerWebhook(triggerFixture(), metaPost(body, APP_SECRET));
		expectRefused(call, 400, 'Bad Request', /"object"|"entry"|JSON object/);
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
		expectRefused(call, 400, 'Bad Request', /not JSON/);
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
		expectRefused(call, 413, 'Payload Too Large', /bytes, more than/);
	});

	it('a signed 3.4 MB body (valid JSON, padded) → 413, no run, nothing recorded', async () => {
		const sqlitePath = tempSqlitePath();
		const raw = JSON.stringify(TEXT) + ' '.repeat(3_400_000);
		const call = await callTriggerWebhook(triggerFixture({}, triggerCredentials({ sqlitePath })), {
			rawBody: raw,
			headers: {
				'content-type': 'application/json',
				'x-hub-signature-256': metaSignature(raw, APP_SECRET),
			},
		});
		expectRefused(call, 413, 'Payload Too Large', /bytes, more than/);
		expect(await wasRecorded(sqlitePath)).toBe(false);
	});

	it(`more than ${MAX_WEBHOOK_EVENTS} events in one delivery → 413, nothing recorded`, async () => {
		const sqlitePath = tempSqlitePath();
		const body = textMessagesBody(
			Array.from({ length: MAX_WEBHOOK_EVENTS + 1 }, (_, index) => ({
				id: `wamid.flood-${index}`,
				from: String(4915100000000 + index),
				text: 'hi',
				timestamp: unixNow(5),
			})),
		);
		const fixture = triggerFixture({}, triggerCredentials({ sqlitePath }));
		const call = await callTriggerWebhook(fixture, metaPost(body, APP_SECRET));
		expectRefused(call, 413, 'Payload Too Large', /1001 events, more than the 1000/);
		expect(await wasRecorded(sqlitePath, 'wamid.flood-0')).toBe(false);
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
		expect(call.headers['x-content-type-options']).toBe('nosniff');
		expect(call.workflowData).toBeUndefined();
	});

	it.each([
		['markup', '<script>alert(1)</script>'],
		['letters', 'abc123'],
		['a negative number', '-5'],
		['65 digits', '1'.repeat(65)],
	])(
		'manual mode, right token, a challenge of %s → 403 "Forbidden", nothing echoed',
		async (_case, value) => {
			const fixture = triggerFixture({
				registration: 'manual',
				verifyToken: 'a-long-random-verify-token',
			});
			const call = await callTriggerWebhook(fixture, {
				method: 'GET',
				query: {
					'hub.mode': 'subscribe',
					'hub.verify_token': 'a-long-random-verify-token',
					'hub.challenge': value,
				},
			});
			expectRefused(call, 403, 'Forbidden', /hub.challenge is not a number/);
		},
	);

	it('manual mode: a wrong token → 403, no challenge echoed', async () => {
		const fixture = triggerFixture({
			registration: 'manual',
			verifyToken: 'a-long-random-verify-token',
		});
		const call = await callTriggerWebhook(fixture, challenge('guessed-token'));
		expectRefused(call, 403, 'Forbidden', /verify_token does not match/);
	});

	it('manual mode without a Verify Token → 403', async () => {
		const call = await callTriggerWebhook(
			triggerFixture({ registration: 'manual' }),
			challenge(''),
		);
		expectRefused(call, 403, 'Forbidden', /no Verify Token is set/);
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
