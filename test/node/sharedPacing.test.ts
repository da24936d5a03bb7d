/**
 * One business number's rate shared by campaigns running at the same time, against the emulator
 * enforcing the number's throughput (130429 past it): two executions of the send node, each paced
 * at the number's rate, draw their slots from the number's timeline in the state store, so
 * together they stay within the rate and Meta refuses none of their messages. (Across processes
 * the store arbitrates the same way: test/store/contract/sendBudgets.test.ts, two connections.)
 */
import type { INodeExecutionData } from 'n8n-workflow';

import { WhatsAppAutomation } from '../../nodes/WhatsAppAutomation/WhatsAppAutomation.node';
import {
	type ConsentEnvironment,
	germanNumbers,
	SENDER_ID,
	startConsentEnvironment,
} from '../helpers/consentHarness';
import { runNode } from '../helpers/nodeHarness';

jest.setTimeout(60_000);

/** The number's throughput at the emulator, and the rate both campaigns are set to (10 % below). */
const NUMBER_MPS = 10;
const CAMPAIGN_MPS = 9;

let env: ConsentEnvironment;
beforeAll(async () => {
	env = await startConsentEnvironment();
	await env.control.setPhoneNumber(SENDER_ID, { mps: NUMBER_MPS });
});
afterAll(async () => await env.close());

async function campaign(phones: string[], messagesPerSecond: number) {
	const run = await runNode({
		node: new WhatsAppAutomation(),
		parameters: {
			operation: 'sendTemplate',
			sender: { mode: 'id', value: SENDER_ID },
			recipientPhone: (_: number, item: INodeExecutionData) => item.json.phone,
			template: { mode: 'name', value: 'appointment_reminder|en_US' },
			variables: {
				mappingMode: 'defineBelow',
				value: { body_1: 'Anna', body_2: 'Dr. Weber', body_3: 'May 4', body_4: 'Main St 1' },
			},
			// No retries: a message refused for the number's throughput shows as its item's error.
			options: { messagesPerSecond, concurrency: 5, maxRetries: 0 },
		},
		items: phones.map((phone) => ({ json: { phone } })),
		credentials: { whatsAppCloudApi: env.credentials },
		continueOnFail: true,
	});
	return run.output![0];
}

/** Meta's error code of each item that was not sent. */
const refusals = (items: INodeExecutionData[]) =>
	items
		.filter((item) => item.json.error !== undefined)
		.map((item) => (item.json.error as { code?: number }).code);

it('two campaigns on one number at its rate share it: Meta refuses none of their messages', async () => {
	const [first, second] = await Promise.all([
		campaign(germanNumbers(25, 0), CAMPAIGN_MPS),
		campaign(germanNumbers(25, 100), CAMPAIGN_MPS),
	]);
	expect({ first: refusals(first), second: refusals(second) }).toEqual({ first: [], second: [] });
	expect([...first, ...second].filter((item) => item.json.messageId)).toHaveLength(50);
});
