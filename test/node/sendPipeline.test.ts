/**
 * The send node as a pipeline, against the emulator: items are prepared, checked and sent in
 * chunks, so the first message leaves before the last item is prepared; a bad item stops the run
 * at its chunk and the error says what was sent; the message log is written in batches, every
 * accepted message exactly once, also when the run fails midway; consent is re-checked for groups
 * of messages about to leave, so an opt-out recorded mid-campaign stops the later messages.
 */
import type { INodeExecutionData } from 'n8n-workflow';

import { WhatsAppAutomation } from '../../nodes/WhatsAppAutomation/WhatsAppAutomation.node';
import {
	type ConsentEnvironment,
	germanNumbers,
	SENDER_ID,
	startConsentEnvironment,
} from '../helpers/consentHarness';
import { type GraphProxy, startGraphProxy } from '../helpers/graphProxy';
import { runNode, type ParameterValue } from '../helpers/nodeHarness';

jest.setTimeout(60_000);

let env: ConsentEnvironment;
beforeAll(async () => {
	env = await startConsentEnvironment();
});
afterAll(async () => await env.close());
afterEach(() => jest.restoreAllMocks());

const waIdOf = (phone: string) => phone.replace(/^\+/, '');

const reminder: Record<string, ParameterValue> = {
	operation: 'sendTemplate',
	sender: { mode: 'id', value: SENDER_ID },
	recipientPhone: (_: number, item: INodeExecutionData) => item.json.phone,
	template: { mode: 'name', value: 'appointment_reminder|en_US' },
	variables: {
		mappingMode: 'defineBelow',
		value: { body_1: 'Anna', body_2: 'Dr. Weber', body_3: 'May 4', body_4: 'Main St 1' },
	},
	// Below the emulator's 1,000 per second: no item waits for a throughput retry.
	options: { messagesPerSecond: 500, concurrency: 10 },
};

async function send(
	phones: string[],
	options: {
		parameters?: Record<string, ParameterValue>;
		proxy?: GraphProxy;
		continueOnFail?: boolean;
	} = {},
): Promise<INodeExecutionData[]> {
	const run = await runNode({
		node: new WhatsAppAutomation(),
		parameters: { ...reminder, ...options.parameters },
		items: phones.map((phone) => ({ json: { phone } })),
		credentials: {
			whatsAppCloudApi: {
				...env.credentials,
				...(options.proxy ? { baseUrl: options.proxy.url } : {}),
			},
		},
		continueOnFail: options.continueOnFail,
	});
	return run.output![0];
}

/** The messages the emulator accepted for these phones: wamid and recipient. */
async function acceptedFor(phones: string[]): Promise<Array<{ id: string; to: string }>> {
	const wanted = new Set(phones.map(waIdOf));
	const messages = await env.control.messages({ phoneNumberId: SENDER_ID });
	return messages
		.filter((message) => message.to !== undefined && wanted.has(message.to))
		.map((message) => ({ id: message.id, to: message.to! }));
}

/** The wamids of every message log write the store received. */
function loggedWamids(spy: jest.SpyInstance): string[] {
	return spy.mock.calls.flatMap(([messages]) =>
		(messages as Array<{ wamid: string }>).map((message) => message.wamid),
	);
}

describe('sending while preparing', () => {
	it('sends the first message before the last item is prepared', async () => {
		const phones = germanNumbers(250, 100_000);
		const proxy = await startGraphProxy(env.emulator.baseUrl);
		// How many messages had reached Meta when each item's parameters were first read.
		const sentWhenPrepared = new Map<number, number>();
		try {
			const output = await send(phones, {
				proxy,
				parameters: {
					recipientPhone: (i: number, item: INodeExecutionData) => {
						if (!sentWhenPrepared.has(i)) sentWhenPrepared.set(i, proxy.arrivals.length);
						return item.json.phone;
					},
				},
			});
			expect(sentWhenPrepared.get(0)).toBe(0);
			expect(sentWhenPrepared.get(249)).toBeGreaterThan(0);
			expect(output.map((item) => item.pairedItem)).toEqual(phones.map((_, item) => ({ item })));
			expect(output.every((item) => typeof item.json.messageId === 'string')).toBe(true);
			expect([...proxy.arrivals].sort()).toEqual(phones.map(waIdOf).sort());
		} finally {
			await proxy.close();
		}
	});

	it('gives each bad item its own error with Continue On Fail, in every chunk', async () => {
		const phones = germanNumbers(250, 110_000);
		phones[5] = 'not-a-number';
		phones[150] = '0151/1234567';
		const output = await send(phones, { continueOnFail: true });
		expect(output.map((item) => item.pairedItem)).toEqual(phones.map((_, item) => ({ item })));
		expect(output[5].json.error).toMatchObject({ field: 'Recipient Phone', value: 'not-a-number' });
		expect(output[150].json.error).toMatchObject({ field: 'Recipient Phone' });
		const sent = output.filter((item) => typeof item.json.messageId === 'string');
		expect(sent).toHaveLength(248);
		expect(await acceptedFor(phones)).toHaveLength(248);
	});
});

describe('a bad item without Continue On Fail', () => {
	it('stops the run at its chunk: the error names it and says how many were sent, nothing after it leaves', async () => {
		const phones = germanNumbers(250, 120_000);
		phones[150] = 'not-a-number';
		const logMany = jest.spyOn(env.store, 'logOutboundMany');
		const logOne = jest.spyOn(env.store, 'logOutbound');
		await expect(send(phones)).rejects.toMatchObject({
			message: expect.stringMatching(/Recipient Phone is invalid/),
			context: expect.objectContaining({ itemIndex: 150 }),
			description: expect.stringContaining(
				"The run stopped at item 150 (input item 151 of 250). 100 of the 150 item(s) before it were sent, all among items 0 to 99; nothing from item 100 on was sent (items are checked and sent in chunks of 100; item 150's chunk, items 100 to 199, was held back whole).",
			),
		});
		const accepted = await acceptedFor(phones);
		expect(accepted.map((message) => `+${message.to}`).sort()).toEqual(phones.slice(0, 100).sort());

		// Every accepted message is in the log exactly once, written in batches before the error.
		const logged = loggedWamids(logMany);
		expect(logged.sort()).toEqual(accepted.map((message) => message.id).sort());
		expect(logMany.mock.calls.length).toBeLessThan(logged.length);
		expect(logOne).not.toHaveBeenCalled();
		for (const { id } of accepted) expect(await env.store.getOutbound(id)).not.toBeNull();
	});

	it('sends nothing when the bad item is in the first chunk', async () => {
		const phones = germanNumbers(40, 130_000);
		phones[30] = '+49 (0) 151 12345678';
		await expect(send(phones)).rejects.toMatchObject({
			context: expect.objectContaining({ itemIndex: 30 }),
			description: expect.stringContaining(
				'The run stopped at item 30 (input item 31 of 40). Nothing was sent.',
			),
		});
		expect(await acceptedFor(phones)).toEqual([]);
	});
});

describe('a store that fails while a chunk is screened', () => {
	const text = {
		operation: 'sendText',
		text: 'Your parcel is on its way',
		template: undefined,
		variables: undefined,
	};

	/** The windows of the first chunk are read; the second chunk's read fails. */
	function failSecondWindowRead() {
		const original = env.store.getWindowMany.bind(env.store);
		return jest
			.spyOn(env.store, 'getWindowMany')
			.mockImplementationOnce(original)
			.mockRejectedValueOnce(new Error('database is gone'));
	}

	it('stops the run at that chunk: the earlier chunk was sent and logged, nothing unchecked leaves', async () => {
		const phones = germanNumbers(250, 150_000);
		failSecondWindowRead();
		const logMany = jest.spyOn(env.store, 'logOutboundMany');
		await expect(send(phones, { parameters: text })).rejects.toMatchObject({
			message: 'The state store failed while checking consent: database is gone',
			description: expect.stringContaining(
				'The run stopped at item 100 (input item 101 of 250). 100 of the 100 item(s) before it were sent, all among items 0 to 99; nothing from item 100 on was sent',
			),
		});
		const accepted = await acceptedFor(phones);
		expect(accepted.map((message) => `+${message.to}`).sort()).toEqual(phones.slice(0, 100).sort());
		expect(loggedWamids(logMany).sort()).toEqual(accepted.map((message) => message.id).sort());
	});

	it('with Continue On Fail, gives every item not sent the store’s error', async () => {
		const phones = germanNumbers(250, 160_000);
		failSecondWindowRead();
		const output = await send(phones, { parameters: text, continueOnFail: true });
		expect(output.map((item) => item.pairedItem)).toEqual(phones.map((_, item) => ({ item })));
		expect(output.slice(0, 100).every((item) => typeof item.json.messageId === 'string')).toBe(
			true,
		);
		for (const item of output.slice(100)) {
			expect(item.json.error).toMatchObject({
				message: 'The state store failed while checking consent: database is gone',
			});
		}
		expect(await acceptedFor(phones)).toHaveLength(100);
	});
});

describe('consent re-checked for groups of messages about to leave', () => {
	it('an opt-out recorded mid-campaign stops the later messages to that contact, with fewer reads than messages', async () => {
		const phones = germanNumbers(60, 140_000);
		const victim = phones[40];
		let stopRecorded = false;
		// When the 10th message reaches Meta, the victim sends STOP; every request waits for it.
		const proxy = await startGraphProxy(env.emulator.baseUrl, {
			nth: 10,
			onNth: async () => {
				await env.store.recordConsent({
					account: env.account,
					contact: waIdOf(victim),
					status: 'blocked',
					source: 'keyword',
					eventAt: Date.now(),
				});
				stopRecorded = true;
			},
		});
		const reads = jest.spyOn(env.store, 'getConsentMany');
		try {
			const output = await send(phones, {
				proxy,
				parameters: { options: { messagesPerSecond: 500, concurrency: 5 } },
			});
			expect(stopRecorded).toBe(true);
			// The victim was screened (with its chunk) before the STOP: the re-check stopped it.
			expect(output[40].json).toMatchObject({
				skipped: true,
				consent: { status: 'blocked', source: 'keyword' },
			});
			expect(proxy.arrivals).not.toContain(waIdOf(victim));
			expect([...proxy.arrivals].sort()).toEqual(
				phones
					.filter((phone) => phone !== victim)
					.map(waIdOf)
					.sort(),
			);
			// One screen of the chunk, then one read per group of (here) 5 messages, not per message.
			expect(reads.mock.calls.length).toBeLessThanOrEqual(30);
		} finally {
			await proxy.close();
		}
	});
});
