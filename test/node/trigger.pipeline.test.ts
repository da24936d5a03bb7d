/**
 * The inbound pipeline (lib/inbound) with a real SQLite store and fault-injecting ports: which
 * answer Meta gets, which items start a run, and what a redelivery does when part of a delivery
 * failed. Nothing is lost, nothing is done twice.
 */
import { housekeepAccountStore } from '../../nodes/helpers/storeAccess';
import { parseWebhookPayload } from '../../lib/core/webhookEvents';
import {
	processDelivery,
	resolveTriggerSettings,
	type DeliveryPorts,
	type ResumeWaits,
} from '../../lib/inbound';
import { createStore, type Store } from '../../lib/store';
import { registerFollowUpWait } from '../../lib/waits/register';
import {
	PHONE_NUMBER_ID,
	tempSqlitePath,
	textMessagesBody,
	unixNow,
	WABA_ID,
} from '../helpers/triggerSetup';

const SETTINGS = resolveTriggerSettings({ events: ['messageReceived', 'consentChanged'] });
const CUSTOMER = '4915112345678';

let store: Store;
let warnings: string[];

beforeEach(async () => {
	store = await createStore({ backend: 'sqlite', path: tempSqlitePath() });
	warnings = [];
});

afterEach(async () => {
	await store.close();
});

function ports(overrides: Partial<DeliveryPorts> = {}): DeliveryPorts {
	return {
		openStore: async () => ({ store, account: WABA_ID }),
		housekeeping: async (access) =>
			await housekeepAccountStore(access, {}, { warn: (message) => warnings.push(message) }),
		resumeWaits: async () => ({ resumed: 0, failed: 0, failures: [] }),
		sendText: async () => 'wamid.confirmation',
		log: { warn: (message) => warnings.push(message) },
		now: () => Date.now(),
		...overrides,
	};
}

const message = (id: string, text = 'Hallo', from = CUSTOMER) =>
	parseWebhookPayload(textMessagesBody([{ id, from, text, timestamp: unixNow(5) }]));

async function waitFor(contact = CUSTOMER): Promise<void> {
	await registerFollowUpWait(store, {
		account: WABA_ID,
		phoneNumberId: PHONE_NUMBER_ID,
		contact,
		executionId: '99',
		resumeUrl: 'http://127.0.0.1:9/webhook-waiting/99',
		deadline: new Date(Date.now() + 3600_000),
		rule: { kind: 'anyMessage' },
		now: new Date(Date.now() - 60_000),
	});
}

describe('hand-off to follow-up waits', () => {
	it('is skipped entirely when the contact has no waits', async () => {
		const resumeWaits = jest.fn<ReturnType<ResumeWaits>, Parameters<ResumeWaits>>();
		const outcome = await processDelivery(message('wamid.1'), SETTINGS, ports({ resumeWaits }));
		expect(outcome.status).toBe(200);
		expect(resumeWaits).not.toHaveBeenCalled();
		await processDelivery(message('wamid.1'), SETTINGS, ports({ resumeWaits }));
		expect(resumeWaits).not.toHaveBeenCalled();
	});

	it('could not run (store failed while claiming) → 503 with the item; the redelivery retries only the hand-off', async () => {
		await waitFor();
		let attempts = 0;
		const resumeWaits: ResumeWaits = async (_store, event, account) => {
			attempts++;
			if (attempts === 1) throw new Error('connection lost');
			expect([event.messageId, account]).toEqual(['wamid.2', WABA_ID]);
			return { resumed: 1, failed: 0, failures: [] };
		};

		const first = await processDelivery(message('wamid.2'), SETTINGS, ports({ resumeWaits }));
		expect(first.status).toBe(503);
		expect(first.retryReason).toMatch(
			/follow-up waits of wamid\.2 could not be resumed: connection lost/,
		);
		expect(first.items).toHaveLength(1);

		const redelivery = await processDelivery(message('wamid.2'), SETTINGS, ports({ resumeWaits }));
		expect(redelivery).toMatchObject({
			status: 200,
			items: [],
			stats: { duplicates: 1, waitsResumed: 1 },
		});

		await processDelivery(message('wamid.2'), SETTINGS, ports({ resumeWaits }));
		expect(attempts).toBe(2);
	});

	it('permanent failures the hand-off reports are final: logged, acknowledged, not retried', async () => {
		await waitFor();
		const resumeWaits = jest.fn<ReturnType<ResumeWaits>, Parameters<ResumeWaits>>(async () => ({
			resumed: 0,
			failed: 1,
			failures: [
				{
					waitId: 'w',
					executionId: '99',
					reason: 'notWaiting',
					statusCode: 409,
					detail: 'timed out already',
					resumableLater: false,
				},
			],
		}));
		const outcome = await processDelivery(message('wamid.3'), SETTINGS, ports({ resumeWaits }));
		expect(outcome.status).toBe(200);
		expect(warnings).toEqual([expect.stringMatching(/could not be resumed/)]);
		await processDelivery(message('wamid.3'), SETTINGS, ports({ resumeWaits }));
		expect(resumeWaits).toHaveBeenCalledTimes(1);
	});

	it('a wait that this message may still resume (n8n unreachable) → 503, and the redelivery hands off again without items', async () => {
		await waitFor();
		const budgets: Date[] = [];
		const resumeWaits = jest.fn<ReturnType<ResumeWaits>, Parameters<ResumeWaits>>(
			async (_store, _event, _account, attemptsBefore) => {
				budgets.push(attemptsBefore);
				return budgets.length === 1
					? {
							resumed: 0,
							failed: 1,
							failures: [
								{
									waitId: 'w',
									executionId: '99',
									reason: 'unreachable',
									statusCode: null,
									detail: 'no answer from n8n (ECONNREFUSED)',
									resumableLater: true,
								},
							],
						}
					: { resumed: 1, failed: 0, failures: [] };
			},
		);

		const first = await processDelivery(message('wamid.4'), SETTINGS, ports({ resumeWaits }));
		expect(first).toMatchObject({ status: 503, stats: { handoffsFailed: 1, waitsResumed: 0 } });
		expect(first.retryReason).toMatch(/wamid\.4 could not be resumed yet \(unreachable\)/);
		expect(first.items).toHaveLength(1);
		// A budget that ends before Meta gives up on the answer.
		expect(budgets[0].getTime()).toBeLessThanOrEqual(Date.now() + 20_000);

		const redelivery = await processDelivery(message('wamid.4'), SETTINGS, ports({ resumeWaits }));
		expect(redelivery).toMatchObject({ status: 200, items: [], stats: { waitsResumed: 1 } });
		await processDelivery(message('wamid.4'), SETTINGS, ports({ resumeWaits }));
		expect(resumeWaits).toHaveBeenCalledTimes(2);
	});
});

describe('a store that fails in the middle of a batch', () => {
	it('keeps the committed events’ items, asks for redelivery, and the redelivery does only the rest', async () => {
		const body = parseWebhookPayload(
			textMessagesBody(
				['a', 'b', 'c'].map((suffix, index) => ({
					id: `wamid.batch.${suffix}`,
					from: CUSTOMER,
					text: `message ${suffix}`,
					timestamp: unixNow(10 - index),
				})),
			),
		);
		let transactions = 0;
		const flaky = new Proxy(store, {
			get(target, property, receiver) {
				if (property === 'transaction') {
					return async (fn: (tx: Store) => Promise<unknown>) => {
						transactions++;
						if (transactions === 2)
							throw Object.assign(new Error('server closed the connection'), {
								code: 'ECONNRESET',
							});
						return await target.transaction(fn);
					};
				}
				return Reflect.get(target, property, receiver);
			},
		});

		const first = await processDelivery(
			body,
			SETTINGS,
			ports({ openStore: async () => ({ store: flaky, account: WABA_ID }) }),
		);
		expect(first.status).toBe(503);
		expect(first.items.map((item) => item.json.messageId)).toEqual(['wamid.batch.a']);
		expect(first.stats).toMatchObject({ recorded: 1, failed: 2 });
		// The store was not asked again after it failed: the rest waits for the redelivery.
		expect(transactions).toBe(2);

		const redelivery = await processDelivery(body, SETTINGS, ports());
		expect(redelivery.status).toBe(200);
		expect(redelivery.items.map((item) => item.json.messageId)).toEqual([
			'wamid.batch.b',
			'wamid.batch.c',
		]);
		expect(
			redelivery.items.map((item) => (item.json.conversation as { isNew: boolean }).isNew),
		).toEqual([false, false]);
	});

	it('data the store refuses (not a transient failure) still starts the run, without conversation data', async () => {
		const outcome = await processDelivery(
			message('wamid.bad', 'Hallo', '0151234567'),
			SETTINGS,
			ports(),
		);
		expect(outcome.status).toBe(200);
		expect(outcome.items).toHaveLength(1);
		expect(outcome.items[0].json).toMatchObject({ messageId: 'wamid.bad', conversation: null });
		expect(warnings).toEqual([expect.stringMatching(/cannot be recorded/)]);
	});
});

describe('opt-out confirmation', () => {
	const settings = resolveTriggerSettings({ events: ['messageReceived'], confirmOptOut: true });

	it('is sent once for a fresh STOP and logged as outbound', async () => {
		const sendText = jest.fn<Promise<string | null>, Parameters<DeliveryPorts['sendText']>>(
			async () => 'wamid.sent.1',
		);
		await processDelivery(message('wamid.stop', 'STOP'), settings, ports({ sendText }));
		await processDelivery(message('wamid.stop', 'STOP'), settings, ports({ sendText }));
		expect(sendText).toHaveBeenCalledTimes(1);
		expect(sendText).toHaveBeenCalledWith(
			PHONE_NUMBER_ID,
			expect.objectContaining({ waId: CUSTOMER }),
			'You will not receive any more messages from us. Reply START if you change your mind.',
		);
		expect(await store.getOutbound('wamid.sent.1')).toMatchObject({
			kind: 'text',
			recipient: CUSTOMER,
		});
	});

	it('a failed send is logged; the opt-out stays recorded and Meta gets 200', async () => {
		const outcome = await processDelivery(
			message('wamid.stop2', 'INFOSTOP'),
			settings,
			ports({ sendText: async () => Promise.reject(new Error('Meta: code 131047')) }),
		);
		expect(outcome.status).toBe(200);
		expect(warnings).toEqual([expect.stringMatching(/confirmation could not be sent/)]);
		expect((await store.getConsent(WABA_ID, CUSTOMER)).status).toBe('opted_out');
	});
});

describe('housekeeping', () => {
	it('runs after a delivery once it is due, and a failure does not change the answer', async () => {
		const outcome = await processDelivery(message('wamid.housekeeping-1'), SETTINGS, ports());
		expect(outcome.status).toBe(200);
		// The delivery ran it: the next hour is already claimed.
		expect(await store.housekeeping(Date.now())).toEqual({ ran: false });

		const failing = Object.create(store) as Store;
		failing.housekeeping = async () => {
			throw new Error('disk full');
		};
		const second = await processDelivery(
			message('wamid.housekeeping-2'),
			SETTINGS,
			ports({ openStore: async () => ({ store: failing, account: WABA_ID }) }),
		);
		expect(second.status).toBe(200);
		expect(warnings).toContain(
			'Store housekeeping failed; it is tried again when a node next opens the store',
		);
	});
});
