/**
 * The nodes take the fast path of readItemParameter where n8n would evaluate a simple item
 * reference: run with their raw parameters (as n8n keeps them on the node), they answer exactly
 * as with an equivalent expression n8n has to evaluate, and never ask getNodeParameter for the
 * referenced parameters.
 */
import type { INodeExecutionData } from 'n8n-workflow';

import type { ConsentStatus } from '../../lib/store';
import { WhatsAppAutomation } from '../../nodes/WhatsAppAutomation/WhatsAppAutomation.node';
import { WhatsAppConsentGate } from '../../nodes/WhatsAppConsentGate/WhatsAppConsentGate.node';
import {
	type ConsentEnvironment,
	gateCredentials,
	germanNumbers,
	SENDER_ID,
	startConsentEnvironment,
} from '../helpers/consentHarness';
import { type HarnessRun, runNode } from '../helpers/nodeHarness';

let env: ConsentEnvironment;
beforeAll(async () => {
	env = await startConsentEnvironment();
});
afterAll(async () => await env.close());

const DAY = 24 * 60 * 60 * 1000;
const STATUSES: ConsentStatus[] = ['opted_in', 'unknown', 'opted_out', 'blocked'];

function readsOf(run: HarnessRun, name: string): number {
	return run.parameterReads.filter((read) => read.name === name).length;
}

describe('Consent Gate, Check', () => {
	it('routes by a Contact read from the item as by the same Contact through n8n', async () => {
		const phones = germanNumbers(16, 910_000);
		for (const [i, phone] of phones.entries()) {
			const status = STATUSES[i % STATUSES.length];
			if (status === 'unknown') continue;
			await env.store.recordConsent({
				account: env.account,
				contact: phone.slice(1),
				status,
				source: 'import',
				eventAt: Date.now() - DAY,
			});
		}
		const items: INodeExecutionData[] = phones.map((phone) => ({ json: { customer: { phone } } }));
		const check = async (contact: string) =>
			await runNode({
				node: new WhatsAppConsentGate(),
				rawParameters: true,
				parameters: { operation: 'check', purpose: 'marketing', contact },
				items,
				credentials: gateCredentials(env),
			});

		const fast = await check('={{ $json.customer.phone }}');
		const evaluated = await check('={{ $json.customer.phone.trim() }}');

		const routes = (run: HarnessRun) =>
			run.output!.map((output) => output.map((item) => item.json.customer));
		expect(routes(fast)).toEqual(routes(evaluated));
		// allowed: opted in; needs opt-in: unknown; blocked: opted out and blocked
		expect(routes(fast).map((output) => output.length)).toEqual([4, 4, 8]);
		expect(readsOf(fast, 'contact')).toBe(0);
		expect(readsOf(evaluated, 'contact')).toBe(items.length);
		// constants stay with n8n, which answers them without an expression
		expect(readsOf(fast, 'purpose')).toBe(items.length);
	});
});

describe('send node, Send Template', () => {
	it('takes the recipient and the mapped variables from the item', async () => {
		const phones = germanNumbers(6, 920_000);
		for (const phone of phones) {
			await env.store.recordConsent({
				account: env.account,
				contact: phone.slice(1),
				status: 'opted_in',
				source: 'import',
				eventAt: Date.now() - DAY,
			});
		}
		const items: INodeExecutionData[] = phones.map((phone, i) => ({
			json: { phone, first: `Anna ${i}`, offer: { code: `SPRING${i}` } },
		}));
		const stringField = (id: string) => ({
			id,
			displayName: id,
			required: true,
			defaultMatch: false,
			canBeUsedToMatch: false,
			display: true,
			type: 'string',
		});
		const send = async (first: string) =>
			await runNode({
				node: new WhatsAppAutomation(),
				rawParameters: true,
				parameters: {
					resource: 'message',
					operation: 'sendTemplate',
					sender: { __rl: true, mode: 'id', value: SENDER_ID },
					template: { __rl: true, mode: 'name', value: 'spring_sale|en_US' },
					recipientPhone: '={{ $json.phone }}',
					variables: {
						mappingMode: 'defineBelow',
						value: {
							body_1: first,
							body_2: "={{ $json.offer['code'] }}",
							button_0_url: 'spring',
						},
						matchingColumns: [],
						schema: [stringField('body_1'), stringField('body_2'), stringField('button_0_url')],
					},
					options: { messagesPerSecond: 500 },
				},
				items,
				credentials: gateCredentials(env),
			});

		const fast = await send('={{ $json.first }}');
		const evaluated = await send('={{ $json.first.trim() }}');

		const sent = (run: HarnessRun) =>
			run.output![0].map((item) => [item.json.recipient, item.json.renderedText]);
		expect(sent(fast)).toEqual(sent(evaluated));
		const [recipient, renderedText] = sent(fast)[2];
		expect(recipient).toMatchObject({ phone: phones[2], waId: phones[2].slice(1) });
		expect(renderedText).toContain('Hi Anna 2, use code SPRING2 for 20% off');
		expect(readsOf(fast, 'recipientPhone')).toBe(0);
		expect(readsOf(fast, 'variables.value')).toBe(0);
		// one expression that is not a simple reference sends the whole mapper to n8n
		expect(readsOf(evaluated, 'variables.value')).toBe(items.length);
		expect(readsOf(evaluated, 'recipientPhone')).toBe(0);
	});
});
