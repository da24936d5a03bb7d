import {
	type IDataObject,
	type INodeExecutionData,
	type INodeParameters,
	type INodeTypeDescription,
	NodeHelpers,
	NodeOperationError,
	Workflow,
} from 'n8n-workflow';

import { WhatsAppConsentGate } from '../../nodes/WhatsAppConsentGate/WhatsAppConsentGate.node';
import type { ConsentStatus } from '../../lib/store';
import {
	type ConsentEnvironment,
	gateCredentials,
	germanNumbers,
	SENDER_ID,
	startConsentEnvironment,
} from '../helpers/consentHarness';
import { runNode, type ParameterValue } from '../helpers/nodeHarness';

let env: ConsentEnvironment;
beforeAll(async () => {
	env = await startConsentEnvironment();
});
afterAll(async () => await env.close());

const DAY = 24 * 60 * 60 * 1000;
let numberOffset = 0;
/** Fresh numbers per test, so tests never see each other's consent. */
const freshNumbers = (count: number) => {
	numberOffset += 1000;
	return germanNumbers(count, numberOffset);
};
const waIdOf = (e164: string) => e164.slice(1);

async function gate(
	parameters: Record<string, ParameterValue>,
	items: INodeExecutionData[],
	continueOnFail = false,
) {
	const run = await runNode({
		node: new WhatsAppConsentGate(),
		parameters: {
			contact: (_: number, item: INodeExecutionData) => item.json.phone,
			...parameters,
		},
		items,
		credentials: gateCredentials(env),
		continueOnFail,
	});
	return run.output!;
}

async function setStatus(e164: string, status: ConsentStatus, eventAt = Date.now() - DAY) {
	await env.store.recordConsent({
		account: env.account,
		contact: waIdOf(e164),
		status,
		source: 'api',
		eventAt,
	});
}

const phones = (items: INodeExecutionData[]) => items.map((item) => item.json.phone);

describe('outputs', () => {
	const outputsFor = (parameters: INodeParameters) => {
		const gateNode = new WhatsAppConsentGate();
		const description = gateNode.description as INodeTypeDescription;
		const nodeTypes = {
			getByName: () => gateNode,
			getByNameAndVersion: () => gateNode,
			getKnownTypes: () => ({}),
		};
		const workflow = new Workflow({
			nodes: [
				{
					id: '1',
					name: 'Gate',
					type: 'n8n-nodes-whatsapp-automation.whatsAppConsentGate',
					typeVersion: 1,
					position: [0, 0],
					parameters,
				},
			],
			connections: {},
			active: false,
			nodeTypes: nodeTypes as never,
		});
		return NodeHelpers.getNodeOutputs(workflow, workflow.getNode('Gate')!, description);
	};

	it('has Allowed, Needs Opt-in and Blocked for Check (also when Check is the default)', () => {
		const names = [
			{ type: 'main', displayName: 'Allowed' },
			{ type: 'main', displayName: 'Needs Opt-in' },
			{ type: 'main', displayName: 'Blocked' },
		];
		expect(outputsFor({ operation: 'check' })).toEqual(names);
		expect(outputsFor({})).toEqual(names);
	});

	it('has one output for every other operation', () => {
		for (const operation of [
			'setConsent',
			'getConsent',
			'requestOptIn',
			'eraseContact',
			'import',
		]) {
			expect(outputsFor({ operation })).toEqual([{ type: 'main' }]);
		}
	});
});

describe('Check', () => {
	let contacts: Record<'optedIn' | 'unknown' | 'optedOut' | 'blocked', string>;
	let items: INodeExecutionData[];
	beforeAll(async () => {
		const [optedIn, unknown, optedOut, blocked] = freshNumbers(4);
		contacts = { optedIn, unknown, optedOut, blocked };
		await setStatus(optedIn, 'opted_in');
		await setStatus(optedOut, 'opted_out');
		await setStatus(blocked, 'blocked');
		items = [optedIn, unknown, optedOut, blocked].map((phone, i) => ({
			json: { phone, crmId: `C-${i}` },
		}));
	});

	it('routes marketing: opted-in → Allowed, unknown → Needs Opt-in, opted-out and blocked → Blocked', async () => {
		const [allowed, needsOptIn, blocked] = await gate(
			{ operation: 'check', purpose: 'marketing' },
			items,
		);
		expect(phones(allowed)).toEqual([contacts.optedIn]);
		expect(phones(needsOptIn)).toEqual([contacts.unknown]);
		expect(phones(blocked)).toEqual([contacts.optedOut, contacts.blocked]);
	});

	it('routes unknown contacts to Allowed under the "opted-in or unknown" policy', async () => {
		const [allowed, needsOptIn, blocked] = await gate(
			{ operation: 'check', purpose: 'marketing', unknownConsent: 'allow' },
			items,
		);
		expect(phones(allowed)).toEqual([contacts.optedIn, contacts.unknown]);
		expect(needsOptIn).toEqual([]);
		expect(phones(blocked)).toEqual([contacts.optedOut, contacts.blocked]);
	});

	it('lets service flows reach everyone but blocked contacts', async () => {
		const [allowed, needsOptIn, blocked] = await gate(
			{ operation: 'check', purpose: 'service' },
			items,
		);
		expect(phones(allowed)).toEqual([contacts.optedIn, contacts.unknown, contacts.optedOut]);
		expect(needsOptIn).toEqual([]);
		expect(phones(blocked)).toEqual([contacts.blocked]);
	});

	it('keeps each item and its pairing and adds consent {status, since, source}', async () => {
		const [allowed, needsOptIn] = await gate({ operation: 'check', purpose: 'marketing' }, items);
		expect(allowed[0]).toEqual({
			json: {
				phone: contacts.optedIn,
				crmId: 'C-0',
				consent: { status: 'opted_in', since: expect.any(String), source: 'api' },
			},
			pairedItem: { item: 0 },
		});
		expect(Date.parse((allowed[0].json.consent as IDataObject).since as string)).toBeLessThan(
			Date.now() - DAY / 2,
		);
		expect(needsOptIn[0]).toEqual({
			json: {
				phone: contacts.unknown,
				crmId: 'C-1',
				consent: { status: 'unknown', since: null, source: null },
			},
			pairedItem: { item: 1 },
		});
	});

	it('finds a contact by wa_id digits, E.164 or the trigger contact object alike', async () => {
		const [allowed] = await gate(
			{
				operation: 'check',
				purpose: 'marketing',
				contact: (i: number) =>
					[contacts.optedIn, waIdOf(contacts.optedIn), { waId: waIdOf(contacts.optedIn) }][i],
			},
			[{ json: {} }, { json: {} }, { json: {} }],
		);
		expect(allowed.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
	});

	it('reads the contact from the trigger’s or the send node’s item when Contact is left at its default', async () => {
		const run = await runNode({
			node: new WhatsAppConsentGate(),
			parameters: { operation: 'check', purpose: 'marketing' },
			items: [
				{ json: { contact: { waId: waIdOf(contacts.optedIn) } } },
				{ json: { recipient: { waId: waIdOf(contacts.optedOut) } } },
			],
			credentials: gateCredentials(env),
		});
		const [allowed, needsOptIn, blocked] = run.output!;
		expect(allowed.map((item) => item.pairedItem)).toEqual([{ item: 0 }]);
		expect(needsOptIn).toEqual([]);
		expect(blocked.map((item) => item.pairedItem)).toEqual([{ item: 1 }]);
	});

	it('checks a purpose given per item by an expression', async () => {
		const [allowed, , blocked] = await gate(
			{ operation: 'check', purpose: (i: number) => (i === 0 ? 'service' : 'marketing') },
			[{ json: { phone: contacts.optedOut } }, { json: { phone: contacts.optedOut } }],
		);
		expect(allowed.map((item) => item.pairedItem)).toEqual([{ item: 0 }]);
		expect(blocked.map((item) => item.pairedItem)).toEqual([{ item: 1 }]);
	});
});

describe('bad input', () => {
	const badItems = (good: string): INodeExecutionData[] => [
		{ json: { phone: '' } },
		{ json: { phone: '0151 12345678' } },
		{ json: { phone: good, purpose: 'promo' } },
		{ json: { phone: good } },
	];
	const parameters = {
		operation: 'check',
		purpose: (_: number, item: INodeExecutionData) => item.json.purpose ?? 'service',
	};

	it('gives each bad item its own error naming the field, the value and the fix; the rest are routed', async () => {
		const [good] = freshNumbers(1);
		const [allowed, needsOptIn, blocked] = await gate(parameters, badItems(good), true);
		expect(allowed.map((item) => item.pairedItem)).toEqual([{ item: 3 }]);
		expect(needsOptIn).toEqual([]);
		// Errors leave on Blocked: under "Continue On Fail" nothing downstream sends to them.
		expect(blocked.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		const errors = blocked.map((item) => item.json.error as Record<string, unknown>);
		expect(errors[0]).toMatchObject({ field: 'Contact', value: '', message: 'Contact is empty' });
		expect(errors[1]).toMatchObject({ field: 'Contact', value: '0151 12345678' });
		expect(errors[1].message).toContain(
			'is not a WhatsApp number: "0151 12345678" is not an E.164 phone number: it contains spaces',
		);
		expect(errors[2]).toMatchObject({ field: 'Purpose', value: 'promo' });
		for (const error of errors) expect(String(error.fix)).toMatch(/\w+/);
		for (const item of blocked) expect(Object.keys(item.json)).toEqual(['error']);
	});

	it('stops at the first bad item without Continue On Fail', async () => {
		const [good] = freshNumbers(1);
		const run = gate(parameters, badItems(good));
		await expect(run).rejects.toBeInstanceOf(NodeOperationError);
		await expect(run).rejects.toMatchObject({
			message: 'Contact is empty',
			context: { itemIndex: 0 },
		});
	});
});

describe('Set Consent and Get Consent', () => {
	it('records a change with proof and returns the full history', async () => {
		const [phone] = freshNumbers(1);
		const signedUp = '2025-03-01T09:30:00.000Z';
		const [[set]] = await gate(
			{
				operation: 'setConsent',
				status: 'opted_in',
				source: 'api',
				eventTime: signedUp,
				evidence: {
					text: 'Yes, send me offers on WhatsApp',
					messageIds: 'wamid.A, wamid.B',
					reference: 'https://shop.example.com/signup',
				},
			},
			[{ json: { phone } }],
		);
		expect(set.json).toEqual({
			phone,
			consent: { status: 'opted_in', since: signedUp, source: 'api' },
			consentChange: { applied: true, status: 'opted_in', source: 'api', eventAt: signedUp },
		});

		// INFOSTOP later by keyword, then an older opt-in arrives late: history keeps all three.
		await gate(
			{
				operation: 'setConsent',
				status: 'opted_out',
				source: 'keyword',
				eventTime: '2025-04-01T00:00:00Z',
				evidence: { text: 'INFOSTOP' },
			},
			[{ json: { phone } }],
		);
		const [[late]] = await gate(
			{
				operation: 'setConsent',
				status: 'opted_in',
				source: 'import',
				eventTime: '2025-01-01T00:00:00Z',
			},
			[{ json: { phone } }],
		);
		expect(late.json.consentChange).toMatchObject({ applied: false });
		expect(late.json.consent).toMatchObject({ status: 'opted_out', source: 'keyword' });

		const [[got]] = await gate({ operation: 'getConsent' }, [{ json: { phone } }]);
		expect(got.json.consent).toEqual({
			status: 'opted_out',
			since: '2025-04-01T00:00:00.000Z',
			source: 'keyword',
		});
		expect(got.json.consentHistory).toEqual([
			expect.objectContaining({
				newStatus: 'opted_in',
				source: 'import',
				applied: false,
				eventAt: '2025-01-01T00:00:00.000Z',
				evidence: null,
			}),
			expect.objectContaining({
				previousStatus: 'unknown',
				newStatus: 'opted_in',
				source: 'api',
				applied: true,
				eventAt: signedUp,
				evidence: {
					text: 'Yes, send me offers on WhatsApp',
					messageIds: ['wamid.A', 'wamid.B'],
					reference: 'https://shop.example.com/signup',
				},
			}),
			expect.objectContaining({
				previousStatus: 'opted_in',
				newStatus: 'opted_out',
				source: 'keyword',
				applied: true,
			}),
		]);
	});

	it('defaults the event time to now and refuses one in the future', async () => {
		const [phone] = freshNumbers(1);
		const before = Date.now();
		const [[now]] = await gate({ operation: 'setConsent', status: 'blocked' }, [
			{ json: { phone } },
		]);
		expect(now.json.consent).toMatchObject({ status: 'blocked', source: 'api' });
		expect(Date.parse((now.json.consent as IDataObject).since as string)).toBeGreaterThanOrEqual(
			before - 1,
		);

		const [[failed]] = await gate(
			{
				operation: 'setConsent',
				status: 'opted_in',
				eventTime: new Date(Date.now() + DAY).toISOString(),
			},
			[{ json: { phone } }],
			true,
		);
		expect(failed.json.error).toMatchObject({ field: 'Event Time' });
		expect(String((failed.json.error as { message: string }).message)).toContain('in the future');
	});
});

describe('Import', () => {
	it('records valid rows with source "import" in one go and reports bad rows one by one', async () => {
		const [first, second, stopped] = freshNumbers(3);
		// The contact sent STOP after the CRM export was taken: the older import must not undo it.
		await setStatus(stopped, 'blocked', Date.parse('2025-06-01T00:00:00Z'));
		const rows = [
			{ phone: first, consent: 'Opted In', at: '2025-05-01T10:00:00Z' },
			{ phone: second, consent: 'maybe', at: '2025-05-01T10:00:00Z' },
			{ phone: stopped, consent: 'opted_in', at: '1746093600' },
			{ phone: second, consent: 'opted-out', at: '' },
		];
		const [output] = await gate(
			{
				operation: 'import',
				importStatus: (_: number, item: INodeExecutionData) => item.json.consent,
				consentTime: (_: number, item: INodeExecutionData) => item.json.at,
				consentText: 'Newsletter checkbox on the signup form',
			},
			rows.map((json) => ({ json })),
			true,
		);
		expect(output.map((item) => item.pairedItem)).toEqual([0, 1, 2, 3].map((item) => ({ item })));
		expect(output[0].json.consent).toEqual({
			status: 'opted_in',
			since: '2025-05-01T10:00:00.000Z',
			source: 'import',
		});
		expect(output[1].json.error).toMatchObject({ field: 'Status', value: 'maybe' });
		expect(output[2].json.consentChange).toMatchObject({
			applied: false,
			eventAt: '2025-05-01T10:00:00.000Z',
		});
		expect(output[2].json.consent).toMatchObject({ status: 'blocked' });
		expect(output[3].json.error).toMatchObject({ field: 'Consent Time', value: '' });

		const history = await env.store.getConsentHistory(env.account, waIdOf(first));
		expect(history).toEqual([
			expect.objectContaining({
				newStatus: 'opted_in',
				source: 'import',
				evidence: { text: 'Newsletter checkbox on the signup form' },
			}),
		]);
		expect((await env.store.getConsent(env.account, waIdOf(second))).status).toBe('unknown');
	});
});

describe('Erase Contact', () => {
	it('deletes the data and history but keeps an opt-out honoured', async () => {
		const [optedOut, optedIn] = freshNumbers(2);
		await setStatus(optedOut, 'opted_out');
		await setStatus(optedIn, 'opted_in');
		for (const phone of [optedOut, optedIn]) {
			await env.store.touchWindow({
				account: env.account,
				phoneNumberId: SENDER_ID,
				contact: waIdOf(phone),
				inboundAt: Date.now(),
			});
			await env.store.logOutbound({
				wamid: `wamid.erase-${waIdOf(phone)}`,
				account: env.account,
				phoneNumberId: SENDER_ID,
				recipient: waIdOf(phone),
				kind: 'text',
				text: 'Your order shipped',
				sentAt: Date.now(),
			});
		}

		const [erased] = await gate({ operation: 'eraseContact' }, [
			{ json: { phone: optedOut } },
			{ json: { phone: optedIn } },
		]);
		expect(erased[0].json.erasure).toEqual({
			contactFound: true,
			contactsFound: 1,
			suppressedAs: 'opted_out',
			additionalIdentifiers: 0,
			waits: { cancelled: 0, told: 0, failed: 0, failures: [] },
			deleted: expect.objectContaining({
				contacts: 1,
				consentHistory: 1,
				windows: 1,
				outboundMessages: 1,
			}),
		});
		expect(erased[1].json.erasure).toMatchObject({ contactFound: true, suppressedAs: null });

		for (const phone of [optedOut, optedIn]) {
			expect(await env.store.getContact(env.account, waIdOf(phone))).toBeNull();
			expect(await env.store.getOutbound(`wamid.erase-${waIdOf(phone)}`)).toBeNull();
			expect(await env.store.getConsentHistory(env.account, waIdOf(phone))).toEqual([]);
		}
		const [[got]] = await gate({ operation: 'getConsent' }, [{ json: { phone: optedOut } }]);
		expect(got.json).toMatchObject({ consent: { status: 'opted_out' }, consentHistory: [] });

		const items = [{ json: { phone: optedOut } }, { json: { phone: optedIn } }];
		const [allowed, needsOptIn, blocked] = await gate(
			{ operation: 'check', purpose: 'marketing' },
			items,
		);
		expect(phones(blocked)).toEqual([optedOut]);
		// Opt-ins are personal data: erased, the contact is unknown again.
		expect(phones(needsOptIn)).toEqual([optedIn]);
		expect(allowed).toEqual([]);
	});
});
