/**
 * Erase Contact as a workflow runs it: pending follow-up waits are cancelled through their resume
 * URLs first (against the fake waiting n8n), their executions leave by Cancelled without the
 * contact's data, and the store then forgets every row, dedup key and AI conversation of the
 * person, also under the additional identifiers.
 */
import type { INodeExecutionData } from 'n8n-workflow';

import type { Store } from '../../lib/store';
import { registerFollowUpWait } from '../../lib/waits/register';
import { parseAdditionalIdentifiers } from '../../nodes/WhatsAppConsentGate/actions/records';
import { WhatsAppConsentGate } from '../../nodes/WhatsAppConsentGate/WhatsAppConsentGate.node';
import { branchOf, FakeWaitingN8n } from '../helpers/fakeWaitingN8n';
import {
	ACCOUNT,
	CUSTOMER,
	followUpWait,
	NUMBER,
	OTHER_CUSTOMER,
	sentTemplateItem,
	waitParameters,
} from '../helpers/followUpWaitFixtures';
import { runNode, type ParameterValue } from '../helpers/nodeHarness';
import { useWaitingWorld } from '../helpers/waitingWorld';

const USER = 'US.13491208655302741918';
const HOUR = 60 * 60 * 1000;

describe('Erase Contact', () => {
	const world = useWaitingWorld('sqlite');
	let n8n: FakeWaitingN8n;
	let store: Store;
	let credentials: Record<string, Record<string, unknown>>;

	beforeEach(() => {
		({ n8n, store, credentials } = world);
	});

	async function erase(parameters: Record<string, ParameterValue>, items: INodeExecutionData[]) {
		const run = await runNode({
			node: new WhatsAppConsentGate(),
			parameters: { operation: 'eraseContact', ...parameters },
			items,
			credentials,
		});
		return run.output![0];
	}

	async function startWaitFor(contact: string) {
		return await n8n.execute({
			node: followUpWait,
			parameters: waitParameters(),
			items: [sentTemplateItem(contact, { crmNote: 'VIP, call +49 151 …' })],
			credentials,
		});
	}

	it('cancels the waits of both identifiers: the executions leave by Cancelled without the contact’s data', async () => {
		const byNumber = await startWaitFor(CUSTOMER);
		const byUserId = await startWaitFor(USER);
		const someoneElse = await startWaitFor(OTHER_CUSTOMER);

		const [item] = await erase(
			{ contact: { waId: CUSTOMER, userId: USER } as unknown as ParameterValue },
			[{ json: { request: 'gdpr-1' } }],
		);

		expect(item.json.erasure).toMatchObject({
			contactsFound: 2,
			deleted: { contacts: 2, waits: 2 },
			waits: { cancelled: 2, told: 2, failed: 0, failures: [] },
		});
		for (const execution of [byNumber, byUserId]) {
			expect(branchOf(execution)).toBe('cancelled');
			const [cancelledItem] = execution.outputs![2];
			expect(cancelledItem.json).toEqual({
				followUp: { outcome: 'cancelled', reason: 'erasure', waitId: expect.any(String) },
			});
		}
		expect(someoneElse.status).toBe('waiting');
		expect(await store.getContact(ACCOUNT, CUSTOMER)).toBeNull();
		expect(await store.getContact(ACCOUNT, USER)).toBeNull();
		expect(await store.getContact(ACCOUNT, OTHER_CUSTOMER)).not.toBeNull();
	});

	it('reports a wait whose execution could not be told, and still deletes its record', async () => {
		const elsewhere = await startWaitFor(OTHER_CUSTOMER);
		const now = new Date();
		// A resume URL n8n refuses (a wrong token): the execution keeps waiting for its time limit.
		const refused = await registerFollowUpWait(store, {
			account: ACCOUNT,
			phoneNumberId: NUMBER,
			contact: CUSTOMER,
			executionId: elsewhere.id,
			resumeUrl: `${n8n.baseUrl}/webhook-waiting/${elsewhere.id}?signature=wrong`,
			deadline: new Date(now.getTime() + HOUR),
			rule: { kind: 'anyMessage' },
			now,
		});

		const [item] = await erase({ contact: CUSTOMER }, [{ json: {} }]);

		expect(item.json.erasure).toMatchObject({
			deleted: { waits: 1 },
			waits: {
				cancelled: 1,
				told: 0,
				failed: 1,
				failures: [
					{ waitId: refused.id, executionId: elsewhere.id, reason: 'refused', statusCode: 401 },
				],
			},
		});
		expect(JSON.stringify(item.json)).not.toContain('signature');
		expect(await store.getWait(refused.id)).toBeNull();
	});

	it('deletes AI history under the additional identifiers and the contact’s dedup keys', async () => {
		await store.upsertContact({ account: ACCOUNT, waId: CUSTOMER, seenAt: Date.now() });
		await store.markSeen(`pref:${CUSTOMER}:marketing_messages:stop:1700000000`, Date.now());
		const turn = [{ role: 'user' as const, content: 'My address is …', at: Date.now() }];
		for (const customer of [CUSTOMER, 'ada@example.com', 'CRM-4711', 'bob@example.com']) {
			await store.appendAiMessages({ assistant: 'support', customer, messages: turn });
		}

		const [item] = await erase(
			{
				contact: CUSTOMER,
				additionalIdentifiers: (_: number, input: INodeExecutionData) => [
					input.json.email,
					input.json.crmId,
				],
			},
			[{ json: { email: 'ada@example.com', crmId: 'CRM-4711' } }],
		);

		expect(item.json.erasure).toMatchObject({
			additionalIdentifiers: 2,
			deleted: { aiConversations: 3, aiMessages: 3, dedupKeys: 1 },
		});
		const left = await store.getAiHistory({
			assistant: 'support',
			customer: 'bob@example.com',
			limit: 5,
		});
		expect(left.messages).toHaveLength(1);
	});

	it('reads Additional Identifiers as comma-separated text or a list, and names the field when wrong', () => {
		expect(parseAdditionalIdentifiers(' ada@example.com, CRM-4711,,ada@example.com ')).toEqual([
			'ada@example.com',
			'CRM-4711',
		]);
		expect(parseAdditionalIdentifiers(['x', 42, null, ''])).toEqual(['x', '42']);
		expect(parseAdditionalIdentifiers('')).toEqual([]);
		expect(() => parseAdditionalIdentifiers([{ email: 'x' }])).toThrow(
			/Additional Identifiers.*not text/,
		);
	});
});
