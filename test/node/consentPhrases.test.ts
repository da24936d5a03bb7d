/**
 * An opt-out in the customer's own words, end to end in-process: the trigger receives Meta's text
 * message, records the phrase opt-out with its evidence before answering, its items show which
 * phrase matched, and the Consent Gate reading the same store then refuses marketing. A negated
 * phrase records nothing.
 */
import type { INodeExecutionData } from 'n8n-workflow';

import { WhatsAppConsentGate } from '../../nodes/WhatsAppConsentGate/WhatsAppConsentGate.node';
import { closeAllStores, openStore, type Store } from '../../lib/store';
import { metaFixture } from '../helpers/metaFixtures';
import { runNode } from '../helpers/nodeHarness';
import {
	APP_SECRET,
	jsonOf,
	tempSqlitePath,
	triggerCredentials,
	triggerFixture,
	unixNow,
	WABA_ID,
} from '../helpers/triggerSetup';
import { callTriggerWebhook, metaPost, type TriggerFixture } from '../helpers/webhookHarness';

afterAll(async () => {
	await closeAllStores();
});

/** Meta's published text message: Sheena Nelson (wa_id 16505551234) writes `body`. */
const CUSTOMER = '16505551234';

function textMessage(id: string, body: string, secondsAgo: number) {
	const payload = metaFixture('webhooks/post-request/text-message.json');
	const message = payload.entry[0].changes[0].value.messages[0];
	message.id = id;
	message.timestamp = String(unixNow(secondsAgo));
	message.text.body = body;
	return payload;
}

interface Setup {
	fixture: TriggerFixture;
	store: Store;
	credentials: Record<string, unknown>;
}

async function setUp(parameters: Record<string, unknown>): Promise<Setup> {
	const credentials = triggerCredentials({ sqlitePath: tempSqlitePath() });
	const fixture = triggerFixture(parameters, credentials);
	const store = await openStore({ backend: 'sqlite', path: String(credentials.sqlitePath) });
	return { fixture, store, credentials };
}

async function customerWrites(setup: Setup, id: string, body: string, secondsAgo = 5) {
	const call = await callTriggerWebhook(
		setup.fixture,
		metaPost(textMessage(id, body, secondsAgo), APP_SECRET),
	);
	expect(call.threw).toBeUndefined();
	expect(call.status).toBe(200);
	return jsonOf(call.workflowData?.[0]);
}

/** The Consent Gate's Check on the trigger's items, as a workflow would wire it. */
async function gate(setup: Setup, purpose: 'marketing' | 'service', items: INodeExecutionData[]) {
	const run = await runNode({
		node: new WhatsAppConsentGate(),
		parameters: {
			operation: 'check',
			purpose,
			contact: (_: number, item: INodeExecutionData) =>
				(item.json.contact as { waId: string }).waId,
		},
		items,
		credentials: { whatsAppCloudApi: setup.credentials },
	});
	const [allowed, needsOptIn, blocked] = run.output!;
	return { allowed, needsOptIn, blocked };
}

describe('an opt-out phrase inside a longer message', () => {
	it('is recorded with the whole text as evidence, shown on the items, and the gate refuses marketing', async () => {
		const setup = await setUp({ events: ['messageReceived', 'consentChanged'] });
		const text = 'Hallo, bitte keine Nachrichten mehr. Danke!';
		const items = await customerWrites(setup, 'wamid.phrase-1', text);

		const change = {
			status: 'opted_out',
			previousStatus: 'unknown',
			changed: true,
			source: 'keyword',
			applied: true,
			matched: 'phrase:bitte keine Nachrichten mehr',
			answersOptInQuestion: false,
			evidence: {
				text,
				messageIds: ['wamid.phrase-1'],
				matched: 'phrase:bitte keine Nachrichten mehr',
				at: expect.any(String),
			},
		};
		expect(items).toEqual([
			expect.objectContaining({
				event: 'messageReceived',
				message: expect.objectContaining({ text }),
				consent: change,
			}),
			expect.objectContaining({
				event: 'consentChanged',
				contact: expect.objectContaining({ waId: CUSTOMER }),
				messageId: 'wamid.phrase-1',
				...change,
			}),
		]);

		const history = await setup.store.getConsentHistory(WABA_ID, CUSTOMER);
		expect(history).toEqual([
			expect.objectContaining({
				newStatus: 'opted_out',
				source: 'keyword',
				applied: true,
				evidence: change.evidence,
			}),
		]);
		expect(Date.parse(history[0].evidence!.at as string)).toBe(history[0].eventAt.getTime());

		const inputs = [{ json: items[0] }];
		const marketing = await gate(setup, 'marketing', inputs);
		expect(marketing.allowed).toEqual([]);
		expect(marketing.needsOptIn).toEqual([]);
		expect(marketing.blocked.map((item) => item.json.consent)).toEqual([
			{ status: 'opted_out', since: expect.any(String), source: 'keyword' },
		]);
		// Only marketing stops: an order update may still go out.
		expect((await gate(setup, 'service', inputs)).allowed).toHaveLength(1);
	});

	it('keeps a long message whole in the evidence, even with the phrase at its end', async () => {
		const setup = await setUp({ events: ['consentChanged'] });
		const text = `${'Ich habe eine lange Frage zu meiner Bestellung. '.repeat(40)}Stop sending me messages!`;
		expect(text.length).toBeGreaterThan(1000);
		const [item] = await customerWrites(setup, 'wamid.phrase-long', text);
		expect(item).toMatchObject({
			status: 'opted_out',
			matched: 'phrase:stop sending me messages',
			evidence: { text },
		});
		const [entry] = await setup.store.getConsentHistory(WABA_ID, CUSTOMER);
		expect(entry.evidence?.text).toBe(text);
	});
});

describe('a negated phrase', () => {
	it('records nothing: no consent on the item, no Consent Changed, the gate still asks for an opt-in', async () => {
		const setup = await setUp({ events: ['messageReceived', 'consentChanged'] });
		const items = await customerWrites(
			setup,
			'wamid.phrase-2',
			"Please don't stop sending me messages, I love your offers 😍",
		);
		expect(items).toEqual([expect.objectContaining({ event: 'messageReceived', consent: null })]);
		expect(await setup.store.getConsentHistory(WABA_ID, CUSTOMER)).toEqual([]);
		const marketing = await gate(setup, 'marketing', [{ json: items[0] }]);
		expect(marketing.needsOptIn).toHaveLength(1);
	});
});

describe('configured phrases', () => {
	it('block phrases stop every message; the trigger’s lists replace the defaults', async () => {
		const setup = await setUp({
			events: ['messageReceived'],
			options: {
				blockPhrases: 'never contact me again',
				optOutPhrases: 'nicht mehr anschreiben\nno more promos',
			},
		});
		const [item] = await customerWrites(
			setup,
			'wamid.phrase-3',
			'Please NEVER contact me again. Thanks',
		);
		expect(item.consent).toMatchObject({
			status: 'blocked',
			source: 'keyword',
			matched: 'phrase:never contact me again',
		});
		expect((await gate(setup, 'service', [{ json: item }])).blocked).toHaveLength(1);

		// A default phrase no longer counts once the list is set.
		const [later] = await customerWrites(setup, 'wamid.phrase-4', 'stop messaging me', 1);
		expect(later.consent).toBeNull();
	});
});
