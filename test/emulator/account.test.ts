/**
 * The account-level controls: a business number's quality update and account updates, sent as
 * Meta sends them (account fields: no metadata, `entry[].time`, the account's callback), and the
 * number's status, rating and limit they move; sending from a FLAGGED number works as at Meta.
 */
import { parseWebhookPayload } from '../../lib/core/webhookEvents';
import { customer, startHarness, type Harness } from './helpers';

let h: Harness;

beforeAll(async () => {
	h = await startHarness();
});
afterAll(async () => h.stop());
beforeEach(async () => {
	await h.reset();
	await subscribe('messages,phone_number_quality_update,account_update');
});

async function subscribe(fields: string): Promise<void> {
	const answer = await h.graph(
		'POST',
		`/${h.appId}/subscriptions`,
		{
			object: 'whatsapp_business_account',
			callback_url: h.receiver.url,
			verify_token: h.receiver.verifyToken,
			fields,
		},
		`${h.appId}|${h.appSecret}`,
	);
	expect(answer.status).toBe(200);
}

async function control(path: string, body: unknown) {
	const response = await fetch(`${h.emulator.baseUrl}/_emulator${path}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(body),
	});
	return { status: response.status, body: (await response.json()) as Record<string, any> };
}

const lastBody = () => h.receiver.received[h.receiver.received.length - 1].body;

describe('phone number quality updates', () => {
	it('FLAGGED: a phone_number_quality_update in Meta’s shape, and the number turns FLAGGED and RED', async () => {
		const answer = await h.control.phoneNumberQualityUpdate({
			phoneNumberId: h.phoneNumberId,
			event: 'FLAGGED',
			waitForDelivery: true,
		});
		expect(answer).toMatchObject({
			status: 'FLAGGED',
			qualityRating: 'RED',
			messagingLimitTier: 'TIER_1K',
			delivery: { delivered: true, httpStatus: 200 },
		});
		const body = lastBody();
		expect(body.entry).toEqual([
			{
				id: h.wabaId,
				time: expect.any(Number),
				changes: [
					{
						field: 'phone_number_quality_update',
						value: {
							display_phone_number: '15550783881',
							event: 'FLAGGED',
							current_limit: 'TIER_1K',
						},
					},
				],
			},
		]);
		// The package's parser reads it as the trigger will.
		expect(parseWebhookPayload(body).events).toMatchObject([
			{
				event: 'account',
				triggerEvent: 'phoneNumberQualityChanged',
				details: { metaEvent: 'FLAGGED', lowQuality: true, phone: '+15550783881' },
			},
		]);
		const number = await h.graph('GET', `/${h.phoneNumberId}?fields=status,quality_rating`);
		expect(number.body).toMatchObject({ status: 'FLAGGED', quality_rating: 'RED' });
		// A FLAGGED number still sends, as at Meta.
		await h.control.inbound({ from: customer, text: 'hi' });
		expect((await h.send({ to: customer, text: { body: 'still here' } })).status).toBe(200);
	});

	it('DOWNGRADE names the old and the new limit and moves the number’s messaging_limit_tier', async () => {
		await h.control.phoneNumberQualityUpdate({
			phoneNumberId: h.secondPhoneNumberId,
			event: 'DOWNGRADE',
			currentLimit: 'TIER_250',
			waitForDelivery: true,
		});
		expect(h.receiver.changes('phone_number_quality_update')).toEqual([
			{
				display_phone_number: '15550783882',
				event: 'DOWNGRADE',
				current_limit: 'TIER_250',
				old_limit: 'TIER_1K',
			},
		]);
		const number = await h.graph('GET', `/${h.secondPhoneNumberId}?fields=messaging_limit_tier`);
		expect(number.body.messaging_limit_tier).toBe('TIER_250');
	});

	it('UNFLAGGED brings the number back to CONNECTED and GREEN unless told otherwise', async () => {
		await h.control.phoneNumberQualityUpdate({ event: 'FLAGGED' });
		const back = await h.control.phoneNumberQualityUpdate({
			event: 'UNFLAGGED',
			qualityRating: 'YELLOW',
		});
		expect(back).toMatchObject({ status: 'CONNECTED', qualityRating: 'YELLOW' });
	});

	it('is sent only when the app subscribes the field', async () => {
		await subscribe('messages');
		const answer = await h.control.phoneNumberQualityUpdate({
			event: 'FLAGGED',
			waitForDelivery: true,
		});
		expect(answer.delivery).toMatchObject({
			delivered: false,
			reason: expect.stringContaining('phone_number_quality_update'),
		});
	});

	it('refuses unknown events and tiers, naming the field and the choices', async () => {
		const badEvent = await control('/phone-number-quality-update', { event: 'PURPLE' });
		expect(badEvent.status).toBe(400);
		expect(JSON.stringify(badEvent.body)).toMatch(/event.*FLAGGED, UNFLAGGED/);
		const badTier = await control('/phone-number-quality-update', {
			event: 'UPGRADE',
			currentLimit: 'TIER_7',
		});
		expect(badTier.status).toBe(400);
		expect(JSON.stringify(badTier.body)).toMatch(/currentLimit.*TIER_250/);
	});

	it('the number control sets the messaging limit tier', async () => {
		await h.control.setPhoneNumber(h.phoneNumberId, { messagingLimitTier: 'tier_10k' });
		const number = await h.graph('GET', `/${h.phoneNumberId}?fields=messaging_limit_tier`);
		expect(number.body.messaging_limit_tier).toBe('TIER_10K');
	});
});

describe('account updates', () => {
	it('violation, restrictions and a ban in Meta’s account_update shape', async () => {
		await h.control.accountUpdate({
			event: 'ACCOUNT_RESTRICTION',
			phoneNumberId: h.phoneNumberId,
			restrictions: [{ type: 'RESTRICTED_BIZ_INITIATED_MESSAGING', expiresAt: 1750876400 }],
			waitForDelivery: true,
		});
		await h.control.accountUpdate({
			event: 'ACCOUNT_VIOLATION',
			violationType: 'scam',
			waitForDelivery: true,
		});
		await h.control.accountUpdate({
			event: 'DISABLED_UPDATE',
			ban: { state: 'SCHEDULE_FOR_DISABLE', date: '2025-06-25' },
			value: { waba_info: { waba_id: h.wabaId } },
			waitForDelivery: true,
		});
		expect(h.receiver.changes('account_update')).toEqual([
			{
				phone_number: '15550783881',
				event: 'ACCOUNT_RESTRICTION',
				restriction_info: [
					{ restriction_type: 'RESTRICTED_BIZ_INITIATED_MESSAGING', expiration: 1750876400 },
				],
			},
			{ event: 'ACCOUNT_VIOLATION', violation_info: { violation_type: 'SCAM' } },
			{
				event: 'DISABLED_UPDATE',
				ban_info: { waba_ban_state: 'SCHEDULE_FOR_DISABLE', waba_ban_date: '2025-06-25' },
				waba_info: { waba_id: h.wabaId },
			},
		]);
		expect((lastBody().entry[0] as { time?: number }).time).toEqual(expect.any(Number));
	});

	it('refuses a missing event and a malformed restriction', async () => {
		expect((await control('/account-update', {})).status).toBe(400);
		const bad = await control('/account-update', {
			event: 'ACCOUNT_RESTRICTION',
			restrictions: [{}],
		});
		expect(bad.status).toBe(400);
		expect(JSON.stringify(bad.body)).toMatch(/restrictions\[0\]/);
	});
});
