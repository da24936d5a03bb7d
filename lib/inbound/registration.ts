/**
 * Where Meta sends this trigger's webhooks, and how the trigger claims and releases that route:
 *
 * - app subscription: the Meta app's one callback (`POST /{app-id}/subscriptions`, app token);
 *   one workflow per app, like n8n's built-in trigger;
 * - account override: `override_callback_uri` on the WABA (`POST /{waba-id}/subscribed_apps`),
 *   so each WhatsApp Business Account can feed its own workflow or n8n instance;
 * - number override: `webhook_configuration` on each chosen phone number, one workflow per number;
 * - manual: the user pastes the URL and verify token into Meta's dashboard; nothing to call.
 *
 * A route owned by another callback URL is never taken over silently: activation fails and says
 * which URL holds it, because overwriting it would cut off another workflow. A route to this very
 * webhook under an older base URL (n8n moved host or port) is this trigger's own and is renewed.
 */
import { ACCOUNT_FIELDS } from '../core/accountEvents';
import { isRecord } from '../core/isRecord';

export const REGISTRATION_MODES = [
	'accountOverride',
	'appSubscription',
	'numberOverride',
	'manual',
] as const;
export type RegistrationMode = (typeof REGISTRATION_MODES)[number];

/**
 * What the trigger needs from Meta: messages and statuses, in-app marketing stop/resume, and what
 * Meta says about the account (template status, quality, category; the number's quality; account
 * updates). Always all of them, whether this trigger chose the account events or not: the app has
 * one callback for every trigger of the account (the others get forwards), and these fields are
 * rare, so a later trigger that chooses them finds them subscribed.
 */
export const SUBSCRIBED_FIELDS = ['messages', 'user_preferences', ...ACCOUNT_FIELDS.keys()];

export type GraphCall = (
	method: 'GET' | 'POST' | 'DELETE',
	path: string,
	options?: { qs?: Record<string, string>; body?: Record<string, unknown> },
) => Promise<unknown>;

export interface GraphPort {
	/** Calls with the credential's access token (system user). */
	user: GraphCall;
	/** Calls with the app access token `{app-id}|{app-secret}`. */
	app: GraphCall;
}

export interface RegistrationTarget {
	mode: RegistrationMode;
	callbackUrl: string;
	verifyToken: string;
	businessAccountId: string;
	/** Needed for the app subscription; narrows the account override to this app when given. */
	appId: string;
	/** Needed for number overrides. */
	phoneNumberIds: string[];
	/**
	 * The URLs of the account's other published triggers: a callback pointing at one of them is
	 * ours to take over (the store says this trigger holds it now), never a conflict.
	 */
	ownUrls?: readonly string[];
}

/** The route is held by another callback: the message names it and the way out. */
export class RegistrationConflictError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'RegistrationConflictError';
	}
}

/** A setting the chosen mode needs is missing: the message names the field. */
export class RegistrationSetupError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'RegistrationSetupError';
	}
}

export async function isRegistered(graph: GraphPort, target: RegistrationTarget): Promise<boolean> {
	assertComplete(target);
	switch (target.mode) {
		case 'manual':
			return true;
		case 'appSubscription': {
			const subscription = await appSubscription(graph, target);
			if (subscription === null) return false;
			if (!isCurrent(subscription.callbackUrl, target, 'the Meta app')) return false;
			const fieldsMissing = SUBSCRIBED_FIELDS.some((field) => !subscription.fields.includes(field));
			return !fieldsMissing && (await appSubscribedToAccount(graph, target));
		}
		case 'accountOverride': {
			const override = await accountOverride(graph, target);
			if (override === null) return false;
			return isCurrent(override, target, `WhatsApp Business Account ${target.businessAccountId}`);
		}
		case 'numberOverride': {
			let all = true;
			for (const id of target.phoneNumberIds) {
				const override = await numberOverride(graph, id);
				if (override === null || !isCurrent(override, target, `phone number ${id}`)) all = false;
			}
			return all && (await appSubscribedToAccount(graph, target));
		}
	}
}

/** Meta calls the callback with the hub.challenge GET before it accepts it, so the URL must be live. */
export async function register(graph: GraphPort, target: RegistrationTarget): Promise<void> {
	assertComplete(target);
	const { callbackUrl, verifyToken } = target;
	switch (target.mode) {
		case 'manual':
			return;
		case 'appSubscription':
			await graph.app('POST', `${target.appId}/subscriptions`, {
				body: {
					object: 'whatsapp_business_account',
					callback_url: callbackUrl,
					verify_token: verifyToken,
					fields: SUBSCRIBED_FIELDS.join(','),
					include_values: true,
				},
			});
			if (!(await appSubscribedToAccount(graph, target))) {
				await graph.user('POST', `${target.businessAccountId}/subscribed_apps`);
			}
			return;
		case 'accountOverride':
			await graph.user('POST', `${target.businessAccountId}/subscribed_apps`, {
				body: { override_callback_uri: callbackUrl, verify_token: verifyToken },
			});
			return;
		case 'numberOverride':
			if (!(await appSubscribedToAccount(graph, target))) {
				await graph.user('POST', `${target.businessAccountId}/subscribed_apps`);
			}
			for (const id of target.phoneNumberIds) {
				await graph.user('POST', id, {
					body: {
						webhook_configuration: {
							override_callback_uri: callbackUrl,
							verify_token: verifyToken,
						},
					},
				});
			}
	}
}

/**
 * Releases only what this trigger holds; a route taken over by someone else is left alone. A
 * callback this trigger holds is handed on to another trigger with `register` instead.
 */
export async function unregister(graph: GraphPort, target: RegistrationTarget): Promise<void> {
	switch (target.mode) {
		case 'manual':
			return;
		case 'appSubscription': {
			const subscription = await appSubscription(graph, target);
			if (subscription !== null && isThisWebhook(subscription.callbackUrl, target)) {
				await graph.app('DELETE', `${target.appId}/subscriptions`, {
					qs: { object: 'whatsapp_business_account' },
				});
			}
			return;
		}
		case 'accountOverride':
			if (isThisWebhook(await accountOverride(graph, target), target)) {
				// Subscribing again without an override hands the account back to the app's callback.
				await graph.user('POST', `${target.businessAccountId}/subscribed_apps`);
			}
			return;
		case 'numberOverride':
			for (const id of target.phoneNumberIds) {
				if (isThisWebhook(await numberOverride(graph, id), target)) {
					await graph.user('POST', id, {
						body: { webhook_configuration: { override_callback_uri: '' } },
					});
				}
			}
	}
}

async function appSubscription(
	graph: GraphPort,
	target: RegistrationTarget,
): Promise<{ callbackUrl: string; fields: string[] } | null> {
	const response = await graph.app('GET', `${target.appId}/subscriptions`);
	const match = list(response).find(
		(entry) => entry.object === 'whatsapp_business_account' && entry.active !== false,
	);
	if (match === undefined || typeof match.callback_url !== 'string') return null;
	const fields = Array.isArray(match.fields)
		? match.fields.map((field) => (isRecord(field) ? String(field.name) : String(field)))
		: [];
	return { callbackUrl: match.callback_url, fields };
}

async function appSubscribedToAccount(
	graph: GraphPort,
	target: RegistrationTarget,
): Promise<boolean> {
	const entries = list(await graph.user('GET', `${target.businessAccountId}/subscribed_apps`));
	return entries.some(
		(entry) => target.appId === '' || appIdOf(entry) === null || appIdOf(entry) === target.appId,
	);
}

async function accountOverride(
	graph: GraphPort,
	target: RegistrationTarget,
): Promise<string | null> {
	const entries = list(await graph.user('GET', `${target.businessAccountId}/subscribed_apps`));
	const ours = entries.filter(
		(entry) => target.appId === '' || appIdOf(entry) === null || appIdOf(entry) === target.appId,
	);
	const override = ours.find((entry) => typeof entry.override_callback_uri === 'string');
	return (override?.override_callback_uri as string | undefined) ?? null;
}

async function numberOverride(graph: GraphPort, phoneNumberId: string): Promise<string | null> {
	const response = await graph.user('GET', phoneNumberId, {
		qs: { fields: 'webhook_configuration' },
	});
	const configuration = isRecord(response) ? response.webhook_configuration : undefined;
	const uri = isRecord(configuration) ? configuration.phone_number : undefined;
	return typeof uri === 'string' && uri !== '' ? uri : null;
}

/**
 * True when the route points at this trigger's URL, false when it points at this trigger under an
 * older base URL (to be renewed); throws when it belongs to someone else.
 */
function isCurrent(url: string, target: RegistrationTarget, holder: string): boolean {
	if (url === target.callbackUrl) return true;
	if (isThisWebhook(url, target)) return false;
	if (target.ownUrls?.includes(url) === true) return false;
	throw new RegistrationConflictError(
		`Meta already sends the webhooks of ${holder} to ${safeUrl(url)}, not to this trigger (${safeUrl(target.callbackUrl)}). Deactivate the workflow that owns that URL (or remove the callback in the Meta App Dashboard), or choose another Webhook Registration mode, e.g. "Account Callback Override" to give this WhatsApp Business Account its own callback.`,
	);
}

/** The path carries the node's webhook id, unique per trigger node: same path, same trigger. */
function isThisWebhook(url: string | null, target: RegistrationTarget): boolean {
	if (url === null) return false;
	if (url === target.callbackUrl) return true;
	const path = (address: string) => {
		try {
			return new URL(address).pathname;
		} catch {
			return null;
		}
	};
	const ours = path(target.callbackUrl);
	return ours !== null && path(url) === ours;
}

/** Throws a RegistrationSetupError naming the setting the mode needs and lacks. */
export function assertComplete(target: RegistrationTarget): void {
	if (target.mode === 'manual') return;
	if (target.businessAccountId === '') {
		throw new RegistrationSetupError(
			'The WhatsApp Cloud API credential has no WhatsApp Business Account ID: fill it in, the trigger subscribes that account to its webhooks',
		);
	}
	if (target.mode === 'appSubscription' && target.appId === '') {
		throw new RegistrationSetupError(
			'Webhook Registration "App Subscription" needs the App ID (and App Secret) in the WhatsApp Cloud API credential; fill them in or choose "Account Callback Override"',
		);
	}
	if (target.mode === 'numberOverride' && target.phoneNumberIds.length === 0) {
		throw new RegistrationSetupError(
			'Webhook Registration "Number Callback Override" needs the business numbers to take over: enter them under Filters → Phone Number IDs',
		);
	}
}

function list(response: unknown): Array<Record<string, unknown>> {
	const data = isRecord(response) ? response.data : undefined;
	return Array.isArray(data) ? data.filter(isRecord) : [];
}

function appIdOf(entry: Record<string, unknown>): string | null {
	const app = entry.whatsapp_business_api_data;
	return isRecord(app) && app.id !== undefined ? String(app.id) : null;
}

/** Callback URLs are shown without their query string, which may carry tokens. */
function safeUrl(url: string): string {
	try {
		const parsed = new URL(url);
		return `${parsed.origin}${parsed.pathname}`;
	} catch {
		return '(an unreadable URL)';
	}
}
