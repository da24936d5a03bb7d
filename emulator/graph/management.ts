import type { EmulatorCore } from '../core';
import type { JsonRecord } from '../json';
import type { PhoneNumberState } from '../state';
import { graphErrors } from './errors';
import {
	ok,
	requestedFields,
	selectFields,
	type GraphRequest,
	type GraphResponse,
} from './request';
import { webhookConfiguration } from './subscriptions';
import { templateNode } from './template-management';

const phoneNumberDefaultFields = [
	'verified_name',
	'code_verification_status',
	'display_phone_number',
	'quality_rating',
	'platform_type',
	'throughput',
];

function phoneNumberNode(core: EmulatorCore, phone: PhoneNumberState): JsonRecord {
	const mps = phone.mps ?? core.state.settings.defaultMps;
	return {
		id: phone.id,
		display_phone_number: phone.displayPhoneNumber,
		verified_name: phone.verifiedName,
		status: phone.status,
		quality_rating: phone.qualityRating,
		code_verification_status: 'VERIFIED',
		name_status: 'APPROVED',
		platform_type: 'CLOUD_API',
		account_mode: 'LIVE',
		messaging_limit_tier: phone.messagingLimitTier ?? 'TIER_1K',
		is_official_business_account: false,
		throughput: { level: mps > 80 ? 'HIGH' : 'STANDARD' },
		webhook_configuration: webhookConfiguration(core, phone),
	};
}

/** GET /{version}/{phone-number-id} */
export function getPhoneNumber(
	core: EmulatorCore,
	request: GraphRequest,
	phone: PhoneNumberState,
): GraphResponse {
	const fields = requestedFields(request, phoneNumberDefaultFields);
	return ok(selectFields(phoneNumberNode(core, phone), fields, 'WhatsAppBusinessPhoneNumber'));
}

/** GET /{version}/{waba-id}/phone_numbers */
export function listPhoneNumbers(core: EmulatorCore, request: GraphRequest): GraphResponse {
	const fields = requestedFields(request, phoneNumberDefaultFields);
	const data = [...core.state.phoneNumbers.values()].map((phone) =>
		selectFields(phoneNumberNode(core, phone), fields, 'WhatsAppBusinessPhoneNumber'),
	);
	return ok({ data, paging: cursors(0, data.length) });
}

/** GET /{version}/{waba-id} */
export function getBusinessAccount(core: EmulatorCore, request: GraphRequest): GraphResponse {
	const node: JsonRecord = {
		id: core.seed.wabaId,
		name: core.seed.wabaName,
		currency: 'USD',
		timezone_id: '1',
		message_template_namespace: `emulator_${core.seed.wabaId}`,
		account_review_status: 'APPROVED',
	};
	return ok(
		selectFields(
			node,
			requestedFields(request, ['id', 'name', 'timezone_id', 'message_template_namespace']),
			'WhatsAppBusinessAccount',
		),
	);
}

function encodeCursor(offset: number): string {
	return Buffer.from(String(offset)).toString('base64');
}

function decodeCursor(value: unknown, name: string): number {
	const offset =
		typeof value === 'string' ? Number(Buffer.from(value, 'base64').toString('utf8')) : NaN;
	if (!Number.isInteger(offset) || offset < 0) {
		throw graphErrors.invalidParameter(`Param ${name} is not a cursor this endpoint returned.`);
	}
	return offset;
}

function cursors(start: number, end: number): JsonRecord {
	return { cursors: { before: encodeCursor(start), after: encodeCursor(end) } };
}

const templateDefaultFields = [
	'name',
	'parameter_format',
	'components',
	'language',
	'status',
	'category',
	'id',
];

function pageLimit(value: unknown): number {
	if (value === undefined) return 25;
	const limit = Number(value);
	if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
		throw graphErrors.invalidParameter(
			`Param limit must be a whole number from 1 to 1000 (got ${JSON.stringify(value)}).`,
		);
	}
	return limit;
}

function listFilter(value: unknown): string[] | undefined {
	if (value === undefined) return undefined;
	return String(value)
		.split(',')
		.map((item) => item.trim().toUpperCase())
		.filter((item) => item !== '');
}

/** GET /{version}/{waba-id}/message_templates: fields, name/status/category/language filters, cursor paging. */
export function listTemplates(core: EmulatorCore, request: GraphRequest): GraphResponse {
	const params = request.params;
	const name = params.name === undefined ? undefined : String(params.name).toLowerCase();
	const statuses = listFilter(params.status);
	const categories = listFilter(params.category);
	const language = params.language === undefined ? undefined : String(params.language);
	const matching = core.state.templates.filter(
		(template) =>
			(name === undefined || template.name.includes(name)) &&
			(statuses === undefined || statuses.includes(template.status)) &&
			(categories === undefined || categories.includes(template.category)) &&
			(language === undefined || template.language === language),
	);
	const limit = pageLimit(params.limit);
	let start = 0;
	if (params.after !== undefined) start = decodeCursor(params.after, 'after');
	else if (params.before !== undefined)
		start = Math.max(0, decodeCursor(params.before, 'before') - limit);
	const end = Math.min(matching.length, start + limit);
	const fields = requestedFields(request, templateDefaultFields);
	const data = matching
		.slice(start, end)
		.map((template) => selectFields(templateNode(template), fields, 'WhatsAppBusinessHSM'));

	const paging: JsonRecord = cursors(start, end);
	const pageUrl = (cursorName: 'after' | 'before', cursor: string) => {
		const query = new URLSearchParams(request.query);
		query.delete('after');
		query.delete('before');
		query.set(cursorName, cursor);
		return `${request.origin}/${request.version}/${core.seed.wabaId}/message_templates?${query.toString()}`;
	};
	if (end < matching.length) paging.next = pageUrl('after', encodeCursor(end));
	if (start > 0) paging.previous = pageUrl('before', encodeCursor(start));
	return ok({ data, paging });
}
