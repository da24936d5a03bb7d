/**
 * Double opt-in end to end: the gate asks, the customer taps in WhatsApp (the emulator), the
 * webhook reaches the receiver that records the answer as the trigger does, and Check routes the
 * contact to Allowed, with the question and the answer kept as proof.
 */
import type { INodeExecutionData } from 'n8n-workflow';

import { WhatsAppConsentGate } from '../../nodes/WhatsAppConsentGate/WhatsAppConsentGate.node';
import { DEFAULT_OPT_IN_QUESTION } from '../../nodes/WhatsAppConsentGate/descriptions/requestOptIn';
import { CONSENT_BUTTON_IDS } from '../../lib/core/consentPolicy';
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
	env = await startConsentEnvironment({ withReceiver: true });
});
afterAll(async () => await env.close());

let offset = 0;
const freshPhone = () => germanNumbers(1, 2000 + offset++)[0];

async function gate(
	parameters: Record<string, ParameterValue>,
	phones: string[],
	continueOnFail = false,
): Promise<INodeExecutionData[][]> {
	const run = await runNode({
		node: new WhatsAppConsentGate(),
		parameters: {
			contact: (_: number, item: INodeExecutionData) => item.json.phone,
			...parameters,
		},
		items: phones.map((phone) => ({ json: { phone } })),
		credentials: gateCredentials(env),
		continueOnFail,
	});
	return run.output!;
}

const askParameters = {
	operation: 'requestOptIn',
	sender: { mode: 'id', value: SENDER_ID },
	template: { mode: 'name', value: 'marketing_opt_in|en_US' },
	variables: { mappingMode: 'defineBelow', value: { body_1: 'Anna' } },
};

async function routeOf(phone: string): Promise<'allowed' | 'needsOptIn' | 'blocked'> {
	const [allowed, needsOptIn] = await gate({ operation: 'check', purpose: 'marketing' }, [phone]);
	return allowed.length ? 'allowed' : needsOptIn.length ? 'needsOptIn' : 'blocked';
}

describe('Request Opt-in → button answer → Allowed', () => {
	it('asks with reply buttons inside the window and records the tap as a double opt-in', async () => {
		const phone = freshPhone();
		const hello = await env.control.inbound({
			from: phone,
			text: 'Hi, any offers?',
			waitForDelivery: true,
		});
		expect(hello.delivery?.delivered).toBe(true);
		expect(await routeOf(phone)).toBe('needsOptIn');

		const [[asked]] = await gate(askParameters, [phone]);
		expect(asked.json).toMatchObject({
			phone,
			messageId: expect.stringMatching(/^wamid\./),
			optInRequest: {
				sent: true,
				via: 'buttons',
				sender: SENDER_ID,
				buttonIds: CONSENT_BUTTON_IDS,
			},
			consent: { status: 'unknown' },
		});
		const questionId = asked.json.messageId as string;
		const [sent] = await env.control.messages({ to: phone.slice(1) });
		expect(sent).toMatchObject({ id: questionId, type: 'interactive' });
		expect(sent.replyOptions.map(({ id, title }) => ({ id, title }))).toEqual([
			{ id: 'consent:opt_in', title: 'Yes, please' },
			{ id: 'consent:decline', title: 'No, thanks' },
		]);
		const logged = await env.store.getOutbound(questionId);
		expect(logged).toMatchObject({
			kind: 'interactive',
			recipient: phone.slice(1),
			text: `${DEFAULT_OPT_IN_QUESTION}\n[Yes, please]\n[No, thanks]`,
		});

		const tap = await env.control.inbound({
			from: phone,
			buttonReply: 'Yes, please',
			waitForDelivery: true,
		});
		expect(tap.delivery?.delivered).toBe(true);
		expect(await routeOf(phone)).toBe('allowed');

		const [[proof]] = await gate({ operation: 'getConsent' }, [phone]);
		expect(proof.json.consent).toEqual({
			status: 'opted_in',
			since: new Date(Number(tap.timestamp) * 1000).toISOString(),
			source: 'button',
		});
		expect(proof.json.consentHistory).toEqual([
			expect.objectContaining({
				previousStatus: 'unknown',
				newStatus: 'opted_in',
				source: 'button',
				applied: true,
				evidence: {
					kind: 'double_opt_in',
					text: logged!.text,
					messageIds: [questionId, tap.messageId],
					questionMessageId: questionId,
					questionText: logged!.text,
					askedAt: logged!.sentAt.toISOString(),
					questionLogged: true,
					answerMessageId: tap.messageId,
					answerText: 'Yes, please',
					answerPayload: 'consent:opt_in',
					answeredAt: expect.any(String),
					phoneNumberId: SENDER_ID,
				},
			}),
		]);
	});

	it('asks with the chosen template outside the window; its first quick reply opts in', async () => {
		const phone = freshPhone();
		const [[asked]] = await gate(askParameters, [phone]);
		expect(asked.json.optInRequest).toMatchObject({
			sent: true,
			via: 'template',
			template: { name: 'marketing_opt_in', language: 'en_US' },
			text: 'Hi Anna, may we send you news and offers on WhatsApp?\n[Yes]\n[No]',
		});
		const [sent] = await env.control.messages({ to: phone.slice(1) });
		expect(sent.template).toMatchObject({ name: 'marketing_opt_in' });
		const components = (sent.request.template as Record<string, unknown>).components as Array<
			Record<string, unknown>
		>;
		expect(components.filter((component) => component.type === 'button')).toEqual([
			{
				type: 'button',
				sub_type: 'quick_reply',
				index: '0',
				parameters: [{ type: 'payload', payload: 'consent:opt_in' }],
			},
			{
				type: 'button',
				sub_type: 'quick_reply',
				index: '1',
				parameters: [{ type: 'payload', payload: 'consent:decline' }],
			},
		]);

		await env.control.inbound({
			from: phone,
			button: { text: 'Yes', payload: 'consent:opt_in' },
			waitForDelivery: true,
		});
		expect(await routeOf(phone)).toBe('allowed');
		const [history] = await env.store.getConsentHistory(env.account, phone.slice(1));
		expect(history.evidence).toMatchObject({
			questionMessageId: asked.json.messageId,
			answerText: 'Yes',
			questionLogged: true,
		});
	});

	it('records "No, thanks" as a marketing opt-out: Check blocks marketing, service still flows', async () => {
		const phone = freshPhone();
		await env.control.inbound({ from: phone, text: 'Hello', waitForDelivery: true });
		await gate(askParameters, [phone]);
		await env.control.inbound({ from: phone, buttonReply: 'No, thanks', waitForDelivery: true });
		expect(await routeOf(phone)).toBe('blocked');
		const [allowed] = await gate({ operation: 'check', purpose: 'service' }, [phone]);
		expect(allowed).toHaveLength(1);
	});

	it('does not ask blocked or opted-in contacts, nor opted-out ones by a cold template', async () => {
		const [blocked, optedIn, optedOut] = [freshPhone(), freshPhone(), freshPhone()];
		const at = Date.now() - 60_000;
		await env.store.recordConsent({
			account: env.account,
			contact: blocked.slice(1),
			status: 'blocked',
			source: 'keyword',
			eventAt: at,
		});
		await env.store.recordConsent({
			account: env.account,
			contact: optedIn.slice(1),
			status: 'opted_in',
			source: 'api',
			eventAt: at,
		});
		await env.store.recordConsent({
			account: env.account,
			contact: optedOut.slice(1),
			status: 'opted_out',
			source: 'keyword',
			eventAt: at,
		});
		const [output] = await gate(askParameters, [blocked, optedIn, optedOut]);
		expect(output.map((item) => [item.json.skipped, item.json.consent])).toEqual([
			[true, expect.objectContaining({ status: 'blocked' })],
			[true, expect.objectContaining({ status: 'opted_in' })],
			[true, expect.objectContaining({ status: 'opted_out' })],
		]);
		expect(output[0].json.reason).toContain('STOP');
		for (const phone of [blocked, optedIn, optedOut]) {
			expect(await env.control.messages({ to: phone.slice(1) })).toEqual([]);
		}
	});

	it('reads the credential once per execution for the store and every question', async () => {
		const phones = [freshPhone(), freshPhone(), freshPhone(), freshPhone()];
		const run = await runNode({
			node: new WhatsAppConsentGate(),
			parameters: {
				contact: (_: number, item: INodeExecutionData) => item.json.phone,
				...askParameters,
			},
			items: phones.map((phone) => ({ json: { phone } })),
			credentials: gateCredentials(env),
		});

		expect(run.output![0].map((item) => item.json.optInRequest)).toEqual(
			Array(4).fill(expect.objectContaining({ sent: true })),
		);
		expect(run.credentialReads).toBe(1);
	});

	it('names the missing template when the window is closed', async () => {
		const phone = freshPhone();
		const [[failed]] = await gate(
			{ ...askParameters, template: { mode: 'list', value: '' } },
			[phone],
			true,
		);
		expect(failed.json.error).toMatchObject({ field: 'Template Outside the Window' });
		expect(String((failed.json.error as { fix: string }).fix)).toContain('quick-reply');
		expect(await env.control.messages({ to: phone.slice(1) })).toEqual([]);
	});
});
