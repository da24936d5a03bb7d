/**
 * Account-level webhooks (template status, quality and category; a number's quality; account
 * updates) parsed from payloads written from Meta's documentation (test/fixtures/webhooks/account/).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { parseAccountValue } from '../../lib/core/accountEvents';
import {
	eventDedupKey,
	parseWebhookPayload,
	type AccountEvent,
} from '../../lib/core/webhookEvents';

const WEBHOOKS = join(__dirname, '../fixtures/webhooks');

function fixture(name: string): any {
	return JSON.parse(readFileSync(join(WEBHOOKS, name), 'utf8'));
}

function onlyEvent(name: string): AccountEvent {
	const parsed = parseWebhookPayload(fixture(name));
	expect(parsed.errors).toEqual([]);
	expect(parsed.events).toHaveLength(1);
	const [event] = parsed.events;
	expect(event.event).toBe('account');
	return event as AccountEvent;
}

describe('account-level webhooks', () => {
	it('an approved template: status, no reason (Meta says NONE), the template, the entry time', () => {
		const event = onlyEvent('template-status-update.json');
		expect(event).toMatchObject({
			triggerEvent: 'templateStatusChanged',
			field: 'message_template_status_update',
			businessAccountId: '419561257915477',
			business: { phoneNumberId: null, displayPhoneNumber: null },
			timestamp: '2025-06-18T18:15:00.000Z',
			timestampUnix: 1750270500,
			details: {
				status: 'APPROVED',
				reason: null,
				template: { id: '1234567890', name: 'order_update', language: 'en_US', category: null },
				pause: null,
				disableDate: null,
			},
		});
	});

	it.each([
		['account/template-status-rejected.json', { status: 'REJECTED', reason: 'INVALID_FORMAT' }],
		[
			'account/template-status-paused.json',
			{
				status: 'PAUSED',
				reason: null,
				pause: {
					title: 'FIRST_PAUSE',
					description: expect.stringContaining('paused for 3 hours'),
				},
			},
		],
		[
			'account/template-status-disabled.json',
			{
				status: 'DISABLED',
				reason: null,
				template: {
					id: '1234567892',
					name: 'weekly_offer',
					language: 'de',
					category: 'MARKETING',
				},
			},
		],
		[
			'account/template-status-flagged.json',
			{ status: 'FLAGGED', disableDate: '2025-06-25T18:21:40.000Z' },
		],
	])('template status %s', (name, details) => {
		expect(onlyEvent(name).details).toMatchObject(details);
	});

	it('template quality and category changes name the template and both values', () => {
		expect(onlyEvent('account/template-quality-update.json')).toMatchObject({
			triggerEvent: 'templateQualityChanged',
			details: {
				quality: 'YELLOW',
				previousQuality: 'GREEN',
				template: { id: '1234567892', name: 'weekly_offer', language: 'de' },
			},
		});
		expect(onlyEvent('account/template-category-update.json')).toMatchObject({
			triggerEvent: 'templateCategoryChanged',
			details: {
				category: 'MARKETING',
				previousCategory: 'UTILITY',
				correctCategory: null,
				template: { id: '1234567890', name: 'order_update', language: 'en_US' },
			},
		});
	});

	it('a phone number’s quality: Meta’s event, low quality for FLAGGED, the limit tiers, the display number', () => {
		const flagged = onlyEvent('account/phone-number-quality-flagged.json');
		expect(flagged).toMatchObject({
			triggerEvent: 'phoneNumberQualityChanged',
			business: { phoneNumberId: null, displayPhoneNumber: '15550783881' },
			details: {
				metaEvent: 'FLAGGED',
				lowQuality: true,
				displayPhoneNumber: '15550783881',
				phone: '+15550783881',
				currentLimit: 'TIER_10K',
				oldLimit: null,
			},
		});
		expect(onlyEvent('account/phone-number-quality-downgrade.json').details).toMatchObject({
			metaEvent: 'DOWNGRADE',
			lowQuality: null,
			currentLimit: 'TIER_1K',
			oldLimit: 'TIER_10K',
		});
		expect(onlyEvent('account/phone-number-quality-upgrade.json').details).toMatchObject({
			metaEvent: 'UPGRADE',
			currentLimit: 'TIER_100K',
			maxDailyConversations: 'TIER_100K',
		});
		const unflagged = parseAccountValue('phone_number_quality_update', {
			display_phone_number: '+1 555-078-3881',
			event: 'UNFLAGGED',
			current_limit: 'TIER_10K',
		});
		expect(unflagged?.details).toMatchObject({ lowQuality: false, phone: '+15550783881' });
	});

	it('account updates: violation, restrictions with their end, a ban, a linked ad account', () => {
		expect(onlyEvent('account/account-update-violation.json').details).toEqual({
			metaEvent: 'ACCOUNT_VIOLATION',
			phoneNumber: '15550783881',
			violation: { type: 'SCAM' },
			restrictions: [],
			ban: null,
			account: null,
		});
		expect(onlyEvent('account/account-update-restriction.json').details).toMatchObject({
			metaEvent: 'ACCOUNT_RESTRICTION',
			restrictions: [
				{ type: 'RESTRICTED_BIZ_INITIATED_MESSAGING', expiresAt: '2025-06-25T18:33:20.000Z' },
				{ type: 'RESTRICTED_ADD_PHONE_NUMBER_ACTION', expiresAt: '2025-06-25T18:33:20.000Z' },
			],
		});
		expect(onlyEvent('account/account-update-ban.json').details).toMatchObject({
			metaEvent: 'DISABLED_UPDATE',
			phoneNumber: null,
			ban: { state: 'SCHEDULE_FOR_DISABLE', date: '2025-06-25' },
		});
		expect(onlyEvent('account/account-update-ad-account-linked.json').details).toMatchObject({
			metaEvent: 'AD_ACCOUNT_LINKED',
			account: {
				wabaId: '419561257915477',
				ownerBusinessId: '2729063490586005',
				partnerAppId: null,
				adAccountId: 'act_1234567890',
			},
		});
	});

	it('odd values inside a valid change become nulls, never a thrown error', () => {
		const body = fixture('account/account-update-restriction.json');
		body.entry[0].changes[0].value = {
			event: 42,
			restriction_info: ['x', { restriction_type: null }],
			ban_info: 'no',
		};
		const [event] = parseWebhookPayload(body).events as AccountEvent[];
		expect(event.details).toEqual({
			metaEvent: null,
			phoneNumber: null,
			violation: null,
			restrictions: [{ type: null, expiresAt: null }],
			ban: null,
			account: null,
		});
	});

	it('a change whose value is not an object is a note, not an event', () => {
		const body = fixture('account/template-quality-update.json');
		body.entry[0].changes[0].value = 'GREEN';
		const parsed = parseWebhookPayload(body);
		expect(parsed.events).toEqual([]);
		expect(parsed.errors).toEqual([
			{
				path: 'entry[0].changes[0].value',
				reason: 'a "message_template_quality_update" change needs an object value, got a string',
			},
		]);
	});

	it('dedup keys: a redelivery gives the same key; the same change at another time a new one', () => {
		const first = eventDedupKey(onlyEvent('account/phone-number-quality-flagged.json'));
		expect(eventDedupKey(onlyEvent('account/phone-number-quality-flagged.json'))).toBe(first);
		const later = fixture('account/phone-number-quality-flagged.json');
		later.entry[0].time += 3600;
		expect(eventDedupKey(parseWebhookPayload(later).events[0])).not.toBe(first);
		const otherNumber = fixture('account/phone-number-quality-flagged.json');
		otherNumber.entry[0].changes[0].value.display_phone_number = '15550783882';
		expect(eventDedupKey(parseWebhookPayload(otherNumber).events[0])).not.toBe(first);
	});
});
