/**
 * What Meta says about the account, on demand: a business number's quality update
 * (`phone_number_quality_update`, which also moves the number's status, quality rating and
 * messaging limit as Meta would) and account updates (`account_update`: violations, restrictions,
 * bans…). Both are account-level fields: no `metadata`, delivered to the account's callback (the
 * WABA override or the app's), never to a number's override, with `entry[].time`.
 */
import type { EmulatorCore } from '../core';
import { InputError } from '../input-error';
import { isNonEmptyString, isRecord, type JsonRecord } from '../json';
import { displayDigits } from '../phone';
import type { DispatchOutcome } from '../webhooks/dispatcher';
import { phoneNumberFrom } from './inbound';

const qualityEvents = [
	'FLAGGED',
	'UNFLAGGED',
	'DOWNGRADE',
	'UPGRADE',
	'ONBOARDING',
	'THROUGHPUT_UPGRADE',
];

const limitTiers = [
	'TIER_50',
	'TIER_250',
	'TIER_1K',
	'TIER_2K',
	'TIER_10K',
	'TIER_100K',
	'TIER_UNLIMITED',
];

function optionalTier(body: JsonRecord, key: string): string | undefined {
	const value = body[key];
	if (value === undefined) return undefined;
	if (typeof value !== 'string' || !limitTiers.includes(value.toUpperCase())) {
		throw new InputError(key, value, `use one of ${limitTiers.join(', ')}`);
	}
	return value.toUpperCase();
}

function optionalWord(body: JsonRecord, key: string, hint: string): string | undefined {
	const value = body[key];
	if (value === undefined) return undefined;
	if (!isNonEmptyString(value)) throw new InputError(key, value, hint);
	return value.toUpperCase();
}

/**
 * POST /_emulator/phone-number-quality-update `{phoneNumberId?, event, currentLimit?, oldLimit?,
 * qualityRating?, status?, waitForDelivery?}`. FLAGGED makes the number FLAGGED with a RED rating,
 * UNFLAGGED makes it CONNECTED and GREEN, UPGRADE / DOWNGRADE set its messaging limit, unless
 * `qualityRating` / `status` say otherwise.
 */
export function phoneNumberQualityUpdate(
	core: EmulatorCore,
	body: JsonRecord,
): { result: JsonRecord; delivery: Promise<DispatchOutcome> } {
	const phone = phoneNumberFrom(core, body);
	const event = optionalWord(body, 'event', `use one of ${qualityEvents.join(', ')}`);
	if (event === undefined || !qualityEvents.includes(event)) {
		throw new InputError('event', body.event, `use one of ${qualityEvents.join(', ')}`);
	}
	const currentLimit = optionalTier(body, 'currentLimit') ?? phone.messagingLimitTier ?? 'TIER_1K';
	const oldLimit = optionalTier(body, 'oldLimit');
	const qualityRating = optionalWord(body, 'qualityRating', 'use GREEN, YELLOW, RED or UNKNOWN');
	const status = optionalWord(body, 'status', 'use e.g. CONNECTED, FLAGGED, RESTRICTED');

	const before = phone.messagingLimitTier ?? 'TIER_1K';
	if (event === 'FLAGGED') {
		phone.status = 'FLAGGED';
		phone.qualityRating = 'RED';
	}
	if (event === 'UNFLAGGED') {
		phone.status = 'CONNECTED';
		phone.qualityRating = 'GREEN';
	}
	if (qualityRating !== undefined) phone.qualityRating = qualityRating;
	if (status !== undefined) phone.status = status;
	phone.messagingLimitTier = currentLimit;

	const changesLimit = event === 'UPGRADE' || event === 'DOWNGRADE';
	const delivery = core.dispatcher.dispatch({
		field: 'phone_number_quality_update',
		time: core.clock.unixSeconds(),
		value: {
			display_phone_number: displayDigits(phone.displayPhoneNumber),
			event,
			current_limit: currentLimit,
			...(changesLimit ? { old_limit: oldLimit ?? before } : {}),
		},
	});
	return {
		result: {
			phoneNumberId: phone.id,
			status: phone.status,
			qualityRating: phone.qualityRating,
			messagingLimitTier: phone.messagingLimitTier,
		},
		delivery,
	};
}

/**
 * POST /_emulator/account-update `{event, phoneNumberId?, violationType?, restrictions?: [{type,
 * expiresAt?}], ban?: {state, date?}, value?, waitForDelivery?}`. `value` adds any other field of
 * Meta's shape as given (waba_info, lock_info…).
 */
export function accountUpdate(
	core: EmulatorCore,
	body: JsonRecord,
): { result: JsonRecord; delivery: Promise<DispatchOutcome> } {
	const event = optionalWord(
		body,
		'event',
		'use Meta’s event, e.g. ACCOUNT_VIOLATION, ACCOUNT_RESTRICTION, DISABLED_UPDATE',
	);
	if (event === undefined) {
		throw new InputError(
			'event',
			body.event,
			'use Meta’s event, e.g. ACCOUNT_VIOLATION, ACCOUNT_RESTRICTION, DISABLED_UPDATE',
		);
	}
	const value: JsonRecord = {};
	if (body.phoneNumberId !== undefined) {
		value.phone_number = displayDigits(phoneNumberFrom(core, body).displayPhoneNumber);
	}
	value.event = event;
	const violationType = optionalWord(body, 'violationType', 'use e.g. SCAM, ADULT, SPAM');
	if (violationType !== undefined) value.violation_info = { violation_type: violationType };
	if (body.restrictions !== undefined) {
		if (!Array.isArray(body.restrictions) || body.restrictions.length === 0) {
			throw new InputError('restrictions', body.restrictions, 'use a list of {type, expiresAt?}');
		}
		value.restriction_info = body.restrictions.map((entry, index) => {
			if (!isRecord(entry) || !isNonEmptyString(entry.type)) {
				throw new InputError(
					`restrictions[${index}]`,
					entry,
					'use {type: "RESTRICTED_BIZ_INITIATED_MESSAGING", expiresAt?}',
				);
			}
			return {
				restriction_type: entry.type.toUpperCase(),
				expiration:
					unixTime(entry.expiresAt, `restrictions[${index}].expiresAt`) ??
					core.clock.unixSeconds() + 86_400,
			};
		});
	}
	if (body.ban !== undefined) {
		if (!isRecord(body.ban) || !isNonEmptyString(body.ban.state)) {
			throw new InputError(
				'ban',
				body.ban,
				'use {state: "SCHEDULE_FOR_DISABLE" | "DISABLE" | "REINSTATE", date?}',
			);
		}
		if (body.ban.date !== undefined && !isNonEmptyString(body.ban.date)) {
			throw new InputError('ban.date', body.ban.date, 'use a date such as "2025-06-25"');
		}
		value.ban_info = {
			waba_ban_state: body.ban.state.toUpperCase(),
			...(body.ban.date === undefined ? {} : { waba_ban_date: body.ban.date }),
		};
	}
	if (body.value !== undefined) {
		if (!isRecord(body.value))
			throw new InputError('value', body.value, 'use an object of Meta’s fields');
		Object.assign(value, body.value);
	}
	const delivery = core.dispatcher.dispatch({
		field: 'account_update',
		time: core.clock.unixSeconds(),
		value,
	});
	return { result: { value }, delivery };
}

/** Unix seconds from a number of seconds or an ISO date; undefined when not given. */
function unixTime(value: unknown, field: string): number | undefined {
	if (value === undefined) return undefined;
	if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
	if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) {
		return Math.floor(Date.parse(value) / 1000);
	}
	throw new InputError(field, value, 'use Unix seconds or an ISO date');
}
