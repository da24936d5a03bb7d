import type { EmulatorCore } from '../core';
import { isRecord, type JsonRecord } from '../json';
import type { CallbackOverride, PhoneNumberState } from '../state';
import { safeUrl } from '../webhooks/dispatcher';
import { graphErrors } from './errors';
import { checkHttpUrl } from './media-objects';
import { ok, type GraphRequest, type GraphResponse } from './request';

/** Fields a WhatsApp Business Account app subscription can name. */
export const webhookFields = [
	'account_alerts',
	'account_review_update',
	'account_update',
	'business_capability_update',
	'business_status_update',
	'flows',
	'group_lifecycle_update',
	'group_participants_update',
	'group_settings_update',
	'group_status_update',
	'history',
	'message_echoes',
	'message_template_components_update',
	'message_template_quality_update',
	'message_template_status_update',
	'messages',
	'partner_solutions',
	'payment_configuration_update',
	'phone_number_name_update',
	'phone_number_quality_update',
	'security',
	'smb_app_state_sync',
	'smb_message_echoes',
	'template_category_update',
	'user_id_update',
	'user_preferences',
];

const verificationTimeoutMs = 10_000;

/**
 * Like Meta, calls the callback with the hub.challenge GET before accepting it; a callback that does not
 * answer 200 with the challenge is refused (2200).
 */
export async function verifyCallback(callbackUrl: string, verifyToken: string): Promise<void> {
	const url = new URL(callbackUrl);
	const challenge = String(Math.floor(Math.random() * 1e9));
	url.searchParams.set('hub.mode', 'subscribe');
	url.searchParams.set('hub.challenge', challenge);
	url.searchParams.set('hub.verify_token', verifyToken);
	let status: number;
	let text: string;
	try {
		const response = await fetch(url, {
			headers: { 'user-agent': 'facebookplatform/1.0 (+http://developers.facebook.com)' },
			redirect: 'manual',
			signal: AbortSignal.timeout(verificationTimeoutMs),
		});
		status = response.status;
		text = await response.text();
	} catch (error) {
		throw graphErrors.callbackVerificationFailed(
			`Couldn't connect to server ${safeUrl(callbackUrl)} (${(error as Error).message})`,
		);
	}
	if (status !== 200) throw graphErrors.callbackVerificationFailed(`HTTP Status Code = ${status}`);
	if (text.trim() !== challenge) {
		throw graphErrors.callbackVerificationFailed(
			"The URL couldn't be validated. Response does not match challenge",
		);
	}
}

function stringParam(params: JsonRecord, name: string): string {
	const value = params[name];
	if (typeof value !== 'string' || value === '') throw graphErrors.requiredParameter(name);
	return value;
}

function fieldsParam(value: unknown): string[] {
	const fields = Array.isArray(value)
		? value
		: typeof value === 'string'
			? value.split(',')
			: undefined;
	if (!fields || fields.length === 0) throw graphErrors.requiredParameter('fields');
	return fields.map((field) => {
		const name = (isRecord(field) ? String(field.name) : String(field)).trim();
		if (!webhookFields.includes(name)) {
			throw graphErrors.invalidParameter(
				`Param fields: "${name}" is not a whatsapp_business_account field.`,
			);
		}
		return name;
	});
}

/** GET/POST/DELETE /{version}/{app-id}/subscriptions */
export async function appSubscriptions(
	core: EmulatorCore,
	request: GraphRequest,
): Promise<GraphResponse> {
	const { state } = core;
	const params = request.params;
	if (request.method === 'GET') {
		const subscription = state.appSubscription;
		return ok({
			data: subscription
				? [
						{
							object: 'whatsapp_business_account',
							callback_url: subscription.callbackUrl,
							active: true,
							fields: subscription.fields.map((name) => ({
								name,
								version: core.seed.graphVersion,
							})),
						},
					]
				: [],
		});
	}
	if (params.object !== undefined && params.object !== 'whatsapp_business_account') {
		throw graphErrors.invalidParameter(
			`Param object must be whatsapp_business_account (got ${JSON.stringify(params.object)}); the emulator is WhatsApp only.`,
		);
	}
	if (request.method === 'DELETE') {
		const remaining =
			params.fields === undefined || !state.appSubscription
				? []
				: state.appSubscription.fields.filter(
						(field) => !fieldsParam(params.fields).includes(field),
					);
		state.appSubscription =
			remaining.length > 0 && state.appSubscription
				? { ...state.appSubscription, fields: remaining }
				: undefined;
		return ok({ success: true });
	}
	stringParam(params, 'object');
	const callbackUrl = checkHttpUrl(stringParam(params, 'callback_url'), 'Param callback_url');
	const verifyToken = stringParam(params, 'verify_token');
	const fields = fieldsParam(params.fields);
	await verifyCallback(callbackUrl, verifyToken);
	state.appSubscription = { callbackUrl, verifyToken, fields };
	core.log(`app subscription → ${safeUrl(callbackUrl)} (${fields.join(', ')})`);
	return ok({ success: true });
}

/** A callback override given as override_callback_uri + verify_token, verified before it is stored. */
async function override(params: JsonRecord): Promise<CallbackOverride | undefined> {
	if (params.override_callback_uri === undefined) return undefined;
	const uri = checkHttpUrl(params.override_callback_uri, 'Param override_callback_uri');
	const verifyToken = stringParam(params, 'verify_token');
	await verifyCallback(uri, verifyToken);
	return { uri, verifyToken };
}

function appData(core: EmulatorCore): JsonRecord {
	return {
		id: core.seed.appId,
		name: core.seed.appName,
		link: `https://www.facebook.com/games/?app_id=${core.seed.appId}`,
	};
}

/** GET/POST/DELETE /{version}/{waba-id}/subscribed_apps */
export async function subscribedApps(
	core: EmulatorCore,
	request: GraphRequest,
): Promise<GraphResponse> {
	const { state } = core;
	if (request.method === 'GET') {
		return ok({
			data: state.wabaSubscribed
				? [
						{
							whatsapp_business_api_data: appData(core),
							...(state.wabaOverride ? { override_callback_uri: state.wabaOverride.uri } : {}),
						},
					]
				: [],
		});
	}
	if (request.method === 'DELETE') {
		state.wabaSubscribed = false;
		state.wabaOverride = undefined;
		return ok({ success: true });
	}
	const callback = await override(request.params);
	state.wabaSubscribed = true;
	state.wabaOverride = callback;
	if (!callback) return ok({ success: true });
	core.log(`WABA callback override → ${safeUrl(callback.uri)}`);
	return ok({
		success: true,
		data: [{ override_callback_uri: callback.uri, whatsapp_business_api_data: appData(core) }],
	});
}

/** POST /{version}/{phone-number-id} with webhook_configuration: the number-level callback override. */
export async function updatePhoneNumber(
	core: EmulatorCore,
	request: GraphRequest,
	phone: PhoneNumberState,
): Promise<GraphResponse> {
	const configuration = request.params.webhook_configuration;
	if (!isRecord(configuration)) {
		throw graphErrors.invalidParameter(
			'The emulator updates only webhook_configuration {override_callback_uri, verify_token} on a phone number.',
		);
	}
	const uri = configuration.override_callback_uri;
	if (uri === '' || uri === null) {
		delete phone.webhookOverride;
		return ok({ success: true });
	}
	const callback = await override(configuration);
	if (!callback)
		throw graphErrors.requiredParameter("webhook_configuration['override_callback_uri']");
	phone.webhookOverride = callback;
	core.log(`phone number ${phone.id} callback override → ${safeUrl(callback.uri)}`);
	return ok({ success: true });
}

/** The `webhook_configuration` field of a phone number: the callback each level would use. */
export function webhookConfiguration(core: EmulatorCore, phone: PhoneNumberState): JsonRecord {
	const { state } = core;
	return {
		...(phone.webhookOverride ? { phone_number: phone.webhookOverride.uri } : {}),
		...(state.wabaOverride ? { whatsapp_business_account: state.wabaOverride.uri } : {}),
		...(state.appSubscription ? { application: state.appSubscription.callbackUrl } : {}),
	};
}
