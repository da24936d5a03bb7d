import { resetCore, type EmulatorCore } from '../core';
import { webhookFields } from '../graph/subscriptions';
import {
	changeTemplateStatus,
	forcibleStatuses,
	type ForcibleStatus,
	rejectionReasons,
} from '../graph/template-management';
import { InputError } from '../input-error';
import { isNonEmptyString, isRecord, parseJson, type JsonRecord } from '../json';
import { phoneDigits } from '../phone';
import { applySettingsPatch } from '../settings';
import type { InboundMessage, OutboundMessage } from '../state';
import type { DispatchOutcome } from '../webhooks/dispatcher';
import { ACCOUNT_LEVEL_FIELDS, contactEntry, valueBase } from '../webhooks/payloads';
import { accountUpdate, phoneNumberQualityUpdate } from './account';
import { contactFrom, phoneNumberFrom, receiveInbound } from './inbound';

export interface ControlResponse {
	status: number;
	body: unknown;
}

export const controlPrefix = '/_emulator';

function parseBody(rawBody: Buffer): JsonRecord {
	if (rawBody.length === 0) return {};
	const text = rawBody.toString('utf8');
	const parsed = parseJson(text);
	if ('problem' in parsed)
		throw new InputError('body', text.slice(0, 80), `send JSON (${parsed.problem})`);
	if (!isRecord(parsed.value)) throw new InputError('body', parsed.value, 'send a JSON object');
	return parsed.value;
}

/** With `"waitForDelivery": true` the answer waits for the webhook's first delivery attempt. */
async function withDelivery(
	body: JsonRecord,
	result: JsonRecord,
	delivery: Promise<DispatchOutcome>,
): Promise<ControlResponse> {
	if (body.waitForDelivery === true)
		return { status: 200, body: { ...result, delivery: await delivery } };
	return { status: 200, body: result };
}

function describeOutbound(message: OutboundMessage): JsonRecord {
	return {
		id: message.id,
		phoneNumberId: message.phoneNumberId,
		to: message.contact.waId,
		userId: message.contact.userId,
		input: message.input,
		type: message.type,
		status: message.status,
		statuses: message.statuses,
		...(message.template ? { template: message.template } : {}),
		renderedText: message.renderedText,
		replyOptions: message.replyOptions,
		...(message.bizOpaqueCallbackData === undefined
			? {}
			: { bizOpaqueCallbackData: message.bizOpaqueCallbackData }),
		...(message.failure ? { error: message.failure.toWebhookError() } : {}),
		createdAt: new Date(message.createdAt).toISOString(),
		request: message.request,
	};
}

function describeInbound(message: InboundMessage): JsonRecord {
	return {
		id: message.id,
		phoneNumberId: message.phoneNumberId,
		from: message.contact.waId,
		userId: message.contact.userId,
		type: message.type,
		timestamp: new Date(message.timestamp).toISOString(),
		readByBusiness: message.readByBusiness,
		typingIndicatorShown: message.typingIndicatorShown,
		message: message.message,
	};
}

/** `?to=` / `?from=` filter: digits of a number in any format. */
function numberFilter(query: URLSearchParams, name: string): string | undefined {
	const value = query.get(name);
	if (value === null || value === '') return undefined;
	const digits = phoneDigits(value);
	if (!digits) throw new InputError(name, value, 'use a phone number, e.g. +4915112345678');
	return digits;
}

function listOutbound(core: EmulatorCore, query: URLSearchParams): ControlResponse {
	const to = numberFilter(query, 'to');
	const phoneNumberId = query.get('phoneNumberId');
	const data = core.state.outbound
		.filter((message) => to === undefined || message.contact.waId === to)
		.filter((message) => !phoneNumberId || message.phoneNumberId === phoneNumberId)
		.map(describeOutbound);
	return { status: 200, body: { data } };
}

function listInbound(core: EmulatorCore, query: URLSearchParams): ControlResponse {
	const from = numberFilter(query, 'from');
	const phoneNumberId = query.get('phoneNumberId');
	const data = [...core.state.inbound.values()]
		.filter((message) => from === undefined || message.contact.waId === from)
		.filter((message) => !phoneNumberId || message.phoneNumberId === phoneNumberId)
		.map(describeInbound);
	return { status: 200, body: { data } };
}

function userPreferences(core: EmulatorCore, body: JsonRecord): Promise<ControlResponse> {
	const phone = phoneNumberFrom(core, body);
	const contact = contactFrom(core, body);
	const value = body.value;
	if (value !== 'stop' && value !== 'resume')
		throw new InputError('value', value, 'use "stop" or "resume"');
	if (body.detail !== undefined && typeof body.detail !== 'string')
		throw new InputError('detail', body.detail, 'use a string');
	contact.marketingStopped = value === 'stop';
	const { settings } = core.state;
	const delivery = core.dispatcher.dispatch({
		field: 'user_preferences',
		phoneNumberId: phone.id,
		value: {
			...valueBase(phone),
			contacts: [contactEntry(contact, settings)],
			user_preferences: [
				{
					...(contact.waId ? { wa_id: contact.waId } : {}),
					...(settings.businessScopedUserIds ? { user_id: contact.userId } : {}),
					detail: body.detail ?? `User requested to ${value} marketing messages`,
					category: 'marketing_messages',
					value,
					timestamp: core.clock.unixSeconds(),
				},
			],
		},
	});
	return withDelivery(body, { marketingStopped: contact.marketingStopped }, delivery);
}

function advanceClock(core: EmulatorCore, body: JsonRecord): ControlResponse {
	const seconds = body.advanceSeconds;
	if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
		throw new InputError(
			'advanceSeconds',
			seconds,
			'use a number of seconds >= 0 (time only moves forward)',
		);
	}
	core.clock.advance(seconds * 1000);
	core.scheduler.clockMoved();
	return { status: 200, body: { now: new Date(core.clock.now()).toISOString() } };
}

function updatePhoneNumber(core: EmulatorCore, id: string, body: JsonRecord): ControlResponse {
	const phone = core.state.phoneNumbers.get(id);
	if (!phone) {
		throw new InputError(
			'phone number id',
			id,
			`use one of ${[...core.state.phoneNumbers.keys()].join(', ')}`,
			404,
		);
	}
	const known = new Set(['status', 'qualityRating', 'mps', 'messagingLimitTier']);
	for (const key of Object.keys(body)) {
		if (!known.has(key))
			throw new InputError(
				key,
				body[key],
				'unknown field; use status, qualityRating, messagingLimitTier or mps',
			);
	}
	if (body.messagingLimitTier !== undefined) {
		if (!isNonEmptyString(body.messagingLimitTier))
			throw new InputError(
				'messagingLimitTier',
				body.messagingLimitTier,
				'use e.g. TIER_250, TIER_1K, TIER_10K, TIER_100K, TIER_UNLIMITED',
			);
		phone.messagingLimitTier = body.messagingLimitTier.toUpperCase();
	}
	if (body.status !== undefined) {
		if (!isNonEmptyString(body.status))
			throw new InputError(
				'status',
				body.status,
				'use e.g. CONNECTED, DISCONNECTED, FLAGGED, RESTRICTED',
			);
		phone.status = body.status.toUpperCase();
	}
	if (body.qualityRating !== undefined) {
		if (!isNonEmptyString(body.qualityRating))
			throw new InputError(
				'qualityRating',
				body.qualityRating,
				'use GREEN, YELLOW, RED or UNKNOWN',
			);
		phone.qualityRating = body.qualityRating.toUpperCase();
	}
	if (body.mps !== undefined) {
		if (typeof body.mps !== 'number' || !Number.isInteger(body.mps) || body.mps < 1) {
			throw new InputError('mps', body.mps, 'use a whole number of messages per second >= 1');
		}
		phone.mps = body.mps;
	}
	const visible: Partial<typeof phone> = { ...phone };
	delete visible.webhookOverride;
	return { status: 200, body: visible };
}

function rawWebhook(core: EmulatorCore, body: JsonRecord): Promise<ControlResponse> {
	const phone = phoneNumberFrom(core, body);
	const field = body.field;
	if (typeof field !== 'string' || !webhookFields.includes(field)) {
		throw new InputError('field', field, `use a webhook field: ${webhookFields.join(', ')}`);
	}
	if (!isRecord(body.value)) {
		throw new InputError(
			'value',
			body.value,
			'use the change value object (metadata is added for conversation fields)',
		);
	}
	const base = ACCOUNT_LEVEL_FIELDS.has(field) ? {} : valueBase(phone);
	const delivery = core.dispatcher.dispatch({
		field,
		phoneNumberId: phone.id,
		value: { ...base, ...body.value },
	});
	return withDelivery(body, { queued: true }, delivery);
}

/**
 * Forces a template's status (by `id`, or `name` with `language` when it has several): the review's
 * outcome, or Meta pausing or disabling it later. Sends the `message_template_status_update` webhook.
 */
function forceTemplateStatus(core: EmulatorCore, body: JsonRecord): Promise<ControlResponse> {
	const status = body.status;
	if (typeof status !== 'string' || !(forcibleStatuses as readonly string[]).includes(status)) {
		throw new InputError('status', status, `use one of ${forcibleStatuses.join(', ')}`);
	}
	const reason = body.reason;
	if (
		reason !== undefined &&
		(status !== 'REJECTED' || !rejectionReasons.includes(String(reason)))
	) {
		throw new InputError(
			'reason',
			reason,
			`give a reason only with REJECTED, one of ${rejectionReasons.join(', ')}`,
		);
	}
	let candidates = core.state.templates;
	if (body.id !== undefined) candidates = candidates.filter((t) => t.id === String(body.id));
	else if (isNonEmptyString(body.name)) {
		candidates = candidates.filter(
			(t) => t.name === body.name && (body.language === undefined || t.language === body.language),
		);
	} else throw new InputError('id', body.id, 'give the template id, or its name (and language)');
	if (candidates.length !== 1) {
		throw new InputError(
			body.id !== undefined ? 'id' : 'name',
			body.id ?? body.name,
			candidates.length === 0
				? 'no such template; list them with GET /{version}/{waba-id}/message_templates'
				: `several languages: add "language" (${candidates.map((t) => t.language).join(', ')})`,
			404,
		);
	}
	const [template] = candidates;
	const delivery = changeTemplateStatus(
		core,
		template,
		status as ForcibleStatus,
		reason === undefined ? undefined : String(reason),
	);
	return withDelivery(
		body,
		{ id: template.id, name: template.name, language: template.language, status: template.status },
		delivery,
	);
}

/** `/_emulator/...`: the control API used by tests and the sandbox (see emulator/README.md). */
export async function handleControl(
	core: EmulatorCore,
	method: string,
	path: string,
	query: URLSearchParams,
	rawBody: Buffer,
	info: () => unknown,
): Promise<ControlResponse> {
	const route = `${method} ${path.slice(controlPrefix.length)}`;
	const body = method === 'POST' ? parseBody(rawBody) : {};
	switch (route) {
		case 'GET /info':
			return { status: 200, body: info() };
		case 'POST /inbound': {
			const result = receiveInbound(core, body);
			const { delivery, ...rest } = result;
			return withDelivery(body, rest as unknown as JsonRecord, delivery);
		}
		case 'POST /user-preferences':
			return userPreferences(core, body);
		case 'POST /read': {
			const phone = phoneNumberFrom(core, body);
			const read = core.lifecycle.contactRead(phone.id, contactFrom(core, body));
			return { status: 200, body: { read } };
		}
		case 'GET /messages':
			return listOutbound(core, query);
		case 'GET /inbound-messages':
			return listInbound(core, query);
		case 'GET /clock':
			return { status: 200, body: { now: new Date(core.clock.now()).toISOString() } };
		case 'POST /clock':
			return advanceClock(core, body);
		case 'GET /settings':
			return { status: 200, body: core.state.settings };
		case 'POST /settings':
			core.state.settings = applySettingsPatch(core.state.settings, body);
			return { status: 200, body: core.state.settings };
		case 'POST /webhook':
			return rawWebhook(core, body);
		case 'POST /phone-number-quality-update': {
			const { result, delivery } = phoneNumberQualityUpdate(core, body);
			return withDelivery(body, result, delivery);
		}
		case 'POST /account-update': {
			const { result, delivery } = accountUpdate(core, body);
			return withDelivery(body, result, delivery);
		}
		case 'POST /templates/status':
			return forceTemplateStatus(core, body);
		case 'GET /webhook-deliveries':
			return { status: 200, body: { data: core.dispatcher.deliveries() } };
		case 'POST /reset':
			resetCore(core);
			return { status: 200, body: { reset: true } };
	}
	const phoneRoute = route.match(/^POST \/phone-numbers\/([^/]+)$/);
	if (phoneRoute) return updatePhoneNumber(core, decodeURIComponent(phoneRoute[1]), body);
	throw new InputError(
		'path',
		`${method} ${path}`,
		'unknown control endpoint; see emulator/README.md',
		404,
	);
}
