/**
 * What Meta says about the account itself, as flat trigger items: template status, quality and
 * category changes, the phone number's quality (messaging limit) and account updates (violations,
 * restrictions, bans). These webhook fields carry no contact and no `metadata.phone_number_id`:
 * they belong to the WhatsApp Business Account (`entry[].id`). Shapes follow Meta's webhook field
 * reference; anything Meta adds stays under `raw`.
 */
import { parseE164 } from './phone';

export type AccountTriggerEvent =
	| 'templateStatusChanged'
	| 'templateQualityChanged'
	| 'templateCategoryChanged'
	| 'phoneNumberQualityChanged'
	| 'accountUpdate';

/** Meta's webhook field → the trigger event it starts. */
export const ACCOUNT_FIELDS: ReadonlyMap<string, AccountTriggerEvent> = new Map([
	['message_template_status_update', 'templateStatusChanged'],
	['message_template_quality_update', 'templateQualityChanged'],
	['template_category_update', 'templateCategoryChanged'],
	['phone_number_quality_update', 'phoneNumberQualityChanged'],
	['account_update', 'accountUpdate'],
]);

export interface TemplateRef {
	id: string | null;
	name: string | null;
	language: string | null;
}

export interface TemplateStatusDetails {
	/** Meta's `event`: APPROVED, REJECTED, PENDING, PAUSED, DISABLED, FLAGGED, REINSTATED, … */
	status: string | null;
	/** Meta's `reason` (null when Meta says NONE): why it was rejected, paused or disabled. */
	reason: string | null;
	template: TemplateRef & { category: string | null };
	/** A pause's title (FIRST_PAUSE, SECOND_PAUSE…) and explanation (`other_info`). */
	pause: { title: string | null; description: string | null } | null;
	/** When a FLAGGED template will be disabled (`disable_info.disable_date`). */
	disableDate: string | null;
}

export interface TemplateQualityDetails {
	/** GREEN, YELLOW, RED or UNKNOWN. */
	quality: string | null;
	previousQuality: string | null;
	template: TemplateRef;
}

export interface TemplateCategoryDetails {
	category: string | null;
	previousCategory: string | null;
	/** The category Meta will move the template to (an announced change), when it says so. */
	correctCategory: string | null;
	template: TemplateRef;
}

export interface PhoneNumberQualityDetails {
	/** Meta's `event`: FLAGGED, UNFLAGGED, DOWNGRADE, UPGRADE, ONBOARDING, THROUGHPUT_UPGRADE, … */
	metaEvent: string | null;
	/** True for FLAGGED (quality rating low), false for UNFLAGGED, else null (not a quality change). */
	lowQuality: boolean | null;
	displayPhoneNumber: string | null;
	/** The display number as E.164 when it is one. */
	phone: string | null;
	/** The messaging limit tier now (TIER_250, TIER_1K, TIER_10K, TIER_100K, TIER_UNLIMITED, …). */
	currentLimit: string | null;
	/** The tier before an UPGRADE or DOWNGRADE. */
	oldLimit: string | null;
	/** Newer payloads' business-wide limit (`max_daily_conversations_per_business`). */
	maxDailyConversations: string | null;
}

export interface AccountUpdateDetails {
	/** ACCOUNT_VIOLATION, ACCOUNT_RESTRICTION, DISABLED_UPDATE, VERIFIED_ACCOUNT, AD_ACCOUNT_LINKED, … */
	metaEvent: string | null;
	/** The business phone number the update is about, when Meta names one. */
	phoneNumber: string | null;
	violation: { type: string | null } | null;
	restrictions: Array<{ type: string | null; expiresAt: string | null }>;
	/** DISABLE, SCHEDULE_FOR_DISABLE, REINSTATE… and when. */
	ban: { state: string | null; date: string | null } | null;
	/** `waba_info`: the account, its owner business, a partner app, an ad account. */
	account: {
		wabaId: string | null;
		ownerBusinessId: string | null;
		partnerAppId: string | null;
		adAccountId: string | null;
	} | null;
}

export type AccountDetails =
	| { triggerEvent: 'templateStatusChanged'; details: TemplateStatusDetails }
	| { triggerEvent: 'templateQualityChanged'; details: TemplateQualityDetails }
	| { triggerEvent: 'templateCategoryChanged'; details: TemplateCategoryDetails }
	| { triggerEvent: 'phoneNumberQualityChanged'; details: PhoneNumberQualityDetails }
	| { triggerEvent: 'accountUpdate'; details: AccountUpdateDetails };

type Raw = Record<string, unknown>;

/** The details of one account-level change value; null for a field that is not one of these. */
export function parseAccountValue(field: string, value: Raw): AccountDetails | null {
	switch (ACCOUNT_FIELDS.get(field)) {
		case 'templateStatusChanged':
			return { triggerEvent: 'templateStatusChanged', details: templateStatus(value) };
		case 'templateQualityChanged':
			return {
				triggerEvent: 'templateQualityChanged',
				details: {
					quality: str(value.new_quality_score),
					previousQuality: str(value.previous_quality_score),
					template: templateRef(value),
				},
			};
		case 'templateCategoryChanged':
			return {
				triggerEvent: 'templateCategoryChanged',
				details: {
					category: str(value.new_category),
					previousCategory: str(value.previous_category),
					correctCategory: str(value.correct_category),
					template: templateRef(value),
				},
			};
		case 'phoneNumberQualityChanged':
			return { triggerEvent: 'phoneNumberQualityChanged', details: phoneQuality(value) };
		case 'accountUpdate':
			return { triggerEvent: 'accountUpdate', details: accountUpdate(value) };
		default:
			return null;
	}
}

function templateStatus(value: Raw): TemplateStatusDetails {
	const pause = record(value.other_info);
	const disable = record(value.disable_info);
	const reason = str(value.reason);
	return {
		status: str(value.event),
		reason: reason === null || reason.toUpperCase() === 'NONE' ? null : reason,
		template: { ...templateRef(value), category: str(value.message_template_category) },
		pause: pause === null ? null : { title: str(pause.title), description: str(pause.description) },
		disableDate: disable === null ? null : dateText(disable.disable_date),
	};
}

function phoneQuality(value: Raw): PhoneNumberQualityDetails {
	const metaEvent = str(value.event);
	const display = id(value.display_phone_number);
	const digits = display?.replace(/\D/g, '') ?? '';
	const parsed = digits === '' ? null : parseE164(`+${digits}`);
	return {
		metaEvent,
		lowQuality: metaEvent === 'FLAGGED' ? true : metaEvent === 'UNFLAGGED' ? false : null,
		displayPhoneNumber: display,
		phone: parsed?.ok ? parsed.e164 : null,
		currentLimit: str(value.current_limit),
		oldLimit: str(value.old_limit),
		maxDailyConversations:
			str(value.max_daily_conversations_per_business) ??
			str(value.max_daily_conversation_per_phone),
	};
}

function accountUpdate(value: Raw): AccountUpdateDetails {
	const violation = record(value.violation_info);
	const ban = record(value.ban_info);
	const waba = record(value.waba_info);
	const restrictions = Array.isArray(value.restriction_info) ? value.restriction_info : [];
	return {
		metaEvent: str(value.event),
		phoneNumber: id(value.phone_number),
		violation: violation === null ? null : { type: str(violation.violation_type) },
		restrictions: restrictions
			.map(record)
			.filter((entry): entry is Raw => entry !== null)
			.map((entry) => ({
				type: str(entry.restriction_type),
				expiresAt: dateText(entry.expiration),
			})),
		ban:
			ban === null ? null : { state: str(ban.waba_ban_state), date: dateText(ban.waba_ban_date) },
		account:
			waba === null
				? null
				: {
						wabaId: id(waba.waba_id),
						ownerBusinessId: id(waba.owner_business_id),
						partnerAppId: id(waba.partner_app_id),
						adAccountId: id(waba.ad_account_id),
					},
	};
}

function templateRef(value: Raw): TemplateRef {
	return {
		id: id(value.message_template_id),
		name: str(value.message_template_name),
		language: str(value.message_template_language),
	};
}

/** Meta gives dates as Unix seconds or as text ("2024-07-01"): ISO 8601 for the former, else as sent. */
function dateText(value: unknown): string | null {
	if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) {
		return new Date(value * 1000).toISOString();
	}
	if (typeof value === 'string' && /^\d{9,11}$/.test(value)) {
		return new Date(Number(value) * 1000).toISOString();
	}
	return str(value);
}

function record(value: unknown): Raw | null {
	return typeof value === 'object' && value !== null && !Array.isArray(value)
		? (value as Raw)
		: null;
}

function str(value: unknown): string | null {
	return typeof value === 'string' && value !== '' ? value : null;
}

/** Ids arrive as numbers in some of Meta's examples (message_template_id). */
function id(value: unknown): string | null {
	if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
	return str(value);
}
