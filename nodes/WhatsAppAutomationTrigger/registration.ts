/**
 * The activation lifecycle (checkExists / create / delete): n8n's side of lib/inbound/registration.
 * Errors become NodeOperationErrors that name the setting to change, so a failed activation says
 * why in the editor.
 *
 * Many published triggers share one account (docs/nodes/trigger.md, "Many workflows on one
 * number"): each stores its route on activation, and the first of a callback (account, app,
 * number, manual URL) holds it and points Meta at its own URL; the others leave Meta alone. On
 * deactivation the holder hands the callback to the oldest other route and points Meta there, or
 * unregisters when it was the last. Listening for a test event in the editor takes Meta's
 * callback only when no published trigger holds it; otherwise the holder forwards to the test URL.
 */
import { NodeOperationError, type IHookFunctions } from 'n8n-workflow';

import { MetaApiError } from '../../lib/core/errors';
import { generateVerifyToken } from '../../lib/core/signature';
import { openAccountStore } from '../helpers/storeAccess';
import type { Route } from '../../lib/core/routing';
import {
	assertComplete,
	deriveVerifyToken,
	isRegistered,
	register,
	TEST_ROUTE_MODE,
	unregister,
	type GraphPort,
	type RegistrationTarget,
} from '../../lib/inbound';
import type { Store } from '../../lib/store';
import {
	CREDENTIAL_TYPE,
	GraphClient,
	type CloudApiCredentials,
} from '../../lib/transport/graphApi';
import {
	acceptsUnsignedDeliveries,
	expectedVerifyToken,
	readRegistrationMode,
	readTriggerSettings,
} from './parameters';
import { isTestMode, publishedRouteIdOf, scopesOf, selfRoute, testRouteIdOf } from './routes';

const MIN_MANUAL_TOKEN_LENGTH = 16;

/**
 * n8n calls this first on every activation (also after a restart), so it is where a trigger that
 * cannot verify says so and where its route is stored and the callback claimed.
 */
export async function checkExists(this: IHookFunctions): Promise<boolean> {
	const settings = readTriggerSettings(this);
	const credentials = await readCredentials(this);
	refuseUnverifiable(this, credentials);
	const route = selfRoute(this, settings);
	return await withContext(this, credentials, async (graph, target) => {
		const { store, account } = await openAccountStore(credentials, this.logger);
		const scopes = scopesOf(target.mode, target.phoneNumberIds);
		if (isTestMode(this)) {
			if (!(await publishedHolderExists(store, account, scopes))) {
				return await isRegistered(graph, target);
			}
			// Published triggers keep Meta's callback; the holder forwards matching events here.
			await store.upsertRoute({
				...routeInput(route, account, target),
				registrationMode: TEST_ROUTE_MODE,
				scopes: [TEST_ROUTE_MODE],
			});
			return true;
		}
		const held = await publish(store, account, target, route, scopes);
		if (held.length === 0) return true;
		// Meta's callback may belong to someone else: then this trigger is not published after all.
		return await unpublishOnFailure(store, account, route.id, scopes, async () =>
			isRegistered(graph, await heldTarget(store, account, target, route.id, held)),
		);
	});
}

export async function create(this: IHookFunctions): Promise<boolean> {
	const route = selfRoute(this, readTriggerSettings(this));
	const credentials = await readCredentials(this);
	await withContext(this, credentials, async (graph, target) => {
		if (isTestMode(this)) return await register(graph, target);
		const { store, account } = await openAccountStore(credentials, this.logger);
		const scopes = scopesOf(target.mode, target.phoneNumberIds);
		const held = await publish(store, account, target, route, scopes);
		if (held.length === 0) return;
		await unpublishOnFailure(store, account, route.id, scopes, async () =>
			register(graph, await heldTarget(store, account, target, route.id, held)),
		);
	});
	return true;
}

/**
 * Stores the route (before claiming, so a holder leaving meanwhile can hand over to it) and
 * claims each of its callbacks nobody published holds; returns the ones it holds.
 */
async function publish(
	store: Store,
	account: string,
	target: RegistrationTarget,
	route: Route,
	scopes: readonly string[],
): Promise<string[]> {
	await store.upsertRoute({ ...routeInput(route, account, target), scopes });
	const held: string[] = [];
	for (const scope of scopes) {
		const claim = await store.claimCallbackHolder({
			account,
			scope,
			routeId: route.id,
			at: Date.now(),
		});
		if (claim.holds) held.push(scope);
	}
	return held;
}

/**
 * n8n deletes production and test webhooks alike in its `internal` mode: which one this is shows
 * only in the URL n8n hands over (the test URL while the editor listened), so the stored route
 * with this URL's path decides.
 */
export async function remove(this: IHookFunctions): Promise<boolean> {
	const credentials = await readCredentials(this);
	await withContext(this, credentials, async (graph, target) => {
		const { store, account } = await openAccountStore(credentials, this.logger);
		const routeId = publishedRouteIdOf(this);
		const routes = await store.listRoutes(account);
		const atThisUrl = (id: string) =>
			routes.some((route) => route.id === id && samePath(route.webhookUrl, target.callbackUrl));
		if (atThisUrl(testRouteIdOf(routeId))) {
			// A listening test route left Meta alone.
			await store.removeRoute(account, testRouteIdOf(routeId));
			return;
		}
		if (!atThisUrl(routeId)) {
			// The test URL held Meta's callback itself, or a trigger published before routes existed.
			await unregister(graph, target);
			return;
		}
		const scopes = scopesOf(target.mode, target.phoneNumberIds);
		await store.removeRoute(account, routeId);
		for (const scope of scopes) {
			const release = await store.releaseCallbackHolder({
				account,
				scope,
				routeId,
				at: Date.now(),
			});
			const scopeTarget = narrowTo(target, [scope]);
			if (!release.released) continue;
			if (release.holder === null) {
				await unregister(graph, scopeTarget);
				continue;
			}
			await handOver(this, graph, store, account, scopeTarget, release.holder.routeId, credentials);
		}
	});
	return true;
}

/** Points Meta at the route that now holds the callback, so it never stops receiving. */
async function handOver(
	ctx: IHookFunctions,
	graph: GraphPort,
	store: Store,
	account: string,
	target: RegistrationTarget,
	successorId: string,
	credentials: CloudApiCredentials,
): Promise<void> {
	const successor = (await store.listRoutes(account)).find((route) => route.id === successorId);
	if (successor === undefined) return;
	if (target.mode === 'manual') {
		ctx.logger.warn(
			`WhatsApp Automation Trigger: the workflow whose URL is pasted in the Meta App Dashboard was unpublished. Paste ${successor.webhookUrl} (the Production URL of another published WhatsApp Automation Trigger of this account) as Callback URL there, with that trigger's Verify Token; until then Meta's deliveries fail.`,
			{ successor: successor.id },
		);
		return;
	}
	const [workflowId, nodeId] = splitRouteId(successor.id);
	await register(graph, {
		...target,
		callbackUrl: successor.webhookUrl,
		verifyToken: deriveVerifyToken({
			workflowId,
			nodeId,
			secret: String(credentials.appSecret || credentials.accessToken || ''),
		}),
	});
	ctx.logger.info(
		`WhatsApp Automation Trigger: Meta's webhooks now go to the published trigger ${successor.id}`,
	);
}

/** Same webhook path: the same trigger's URL, whatever n8n's host and port. */
function samePath(a: string, b: string): boolean {
	const path = (url: string) => {
		try {
			return new URL(url).pathname;
		} catch {
			return url;
		}
	};
	return path(a) === path(b);
}

function splitRouteId(routeId: string): [string, string] {
	const at = routeId.indexOf('/');
	return [routeId.slice(0, at), routeId.slice(at + 1)];
}

function routeInput(route: Route, account: string, target: RegistrationTarget) {
	return {
		account,
		routeId: route.id,
		webhookUrl: target.callbackUrl,
		role: route.role,
		priority: route.priority,
		filters: route.filters,
		receiveConsumedReplies: route.receiveConsumedReplies,
		registrationMode: target.mode as string,
		at: Date.now(),
	};
}

async function publishedHolderExists(
	store: Store,
	account: string,
	scopes: readonly string[],
): Promise<boolean> {
	const published = new Set(
		(await store.listRoutes(account))
			.filter((route) => route.registrationMode !== TEST_ROUTE_MODE)
			.map((route) => route.id),
	);
	for (const scope of scopes) {
		const holder = await store.getCallbackHolder(account, scope);
		if (holder !== null && published.has(holder.routeId)) return true;
	}
	return false;
}

/** The target narrowed to the held callbacks; the other routes' URLs are ours to replace. */
async function heldTarget(
	store: Store,
	account: string,
	target: RegistrationTarget,
	routeId: string,
	held: readonly string[],
): Promise<RegistrationTarget> {
	const ownUrls = (await store.listRoutes(account))
		.filter((route) => route.id !== routeId)
		.map((route) => route.webhookUrl);
	return { ...narrowTo(target, held), ownUrls };
}

function narrowTo(target: RegistrationTarget, scopes: readonly string[]): RegistrationTarget {
	if (target.mode !== 'numberOverride') return target;
	return {
		...target,
		phoneNumberIds: target.phoneNumberIds.filter((id) => scopes.includes(`number:${id}`)),
	};
}

/** Runs the Meta side of an activation; when it fails, the route is withdrawn again. */
async function unpublishOnFailure<T>(
	store: Store,
	account: string,
	routeId: string,
	scopes: readonly string[],
	action: () => Promise<T>,
): Promise<T> {
	let succeeded = false;
	try {
		const result = await action();
		succeeded = true;
		return result;
	} finally {
		if (!succeeded) {
			await store.removeRoute(account, routeId);
			for (const scope of scopes) {
				await store.releaseCallbackHolder({ account, scope, routeId, at: Date.now() });
			}
		}
	}
}

/**
 * A trigger without an App Secret would answer every delivery 401, so it is not published (n8n
 * shows the activation error in the editor) unless the user chose to accept unsigned deliveries;
 * then the risk is logged on every activation and shown as a notice in the node.
 */
function refuseUnverifiable(ctx: IHookFunctions, credentials: CloudApiCredentials): void {
	if (credentials.appSecret) return;
	if (!acceptsUnsignedDeliveries(ctx)) {
		throw new NodeOperationError(
			ctx.getNode(),
			'The WhatsApp Cloud API credential has no App Secret, so this trigger cannot verify that deliveries come from Meta and would refuse every one (401)',
			{
				description:
					'Fill in the App Secret in the credential (Meta App Dashboard → App settings → Basic → App secret). Only for a provider that does not sign its webhooks, turn on the trigger option "Accept Unsigned Deliveries (Insecure)".',
			},
		);
	}
	ctx.logger.warn(
		`WhatsApp Automation Trigger "${ctx.getNode().name}" accepts UNSIGNED deliveries (option "Accept Unsigned Deliveries (Insecure)"): anyone who knows its URL can forge messages and consent changes. Fill in the App Secret in the WhatsApp Cloud API credential unless the provider cannot sign.`,
		{ workflowId: ctx.getWorkflow().id, node: ctx.getNode().name },
	);
}

/** The credential, read once per lifecycle call: the checks, the store and the Graph calls share it. */
async function readCredentials(ctx: IHookFunctions): Promise<CloudApiCredentials> {
	return (await ctx.getCredentials(CREDENTIAL_TYPE)) as CloudApiCredentials;
}

async function withContext<T>(
	ctx: IHookFunctions,
	credentials: CloudApiCredentials,
	action: (graph: GraphPort, target: RegistrationTarget) => Promise<T>,
): Promise<T> {
	const target = registrationTarget(ctx, credentials);
	try {
		assertComplete(target);
		return await action(graphPort(ctx, credentials), target);
	} catch (error) {
		const message =
			error instanceof MetaApiError
				? `Meta refused the webhook registration (${target.mode}): ${error.describe()}`
				: (error as Error).message;
		throw new NodeOperationError(ctx.getNode(), message);
	}
}

function registrationTarget(
	ctx: IHookFunctions,
	credentials: CloudApiCredentials,
): RegistrationTarget {
	const mode = readRegistrationMode(ctx);
	const callbackUrl = ctx.getNodeWebhookUrl('default');
	if (callbackUrl === undefined) {
		throw new NodeOperationError(ctx.getNode(), 'n8n gave this trigger no webhook URL');
	}
	const verifyToken = expectedVerifyToken(ctx, credentials);
	if (mode === 'manual' && verifyToken.length < MIN_MANUAL_TOKEN_LENGTH) {
		throw new NodeOperationError(
			ctx.getNode(),
			`Verify Token ${verifyToken === '' ? 'is empty' : `has ${verifyToken.length} characters`}; manual registration needs at least ${MIN_MANUAL_TOKEN_LENGTH}. Enter a random one, for example ${generateVerifyToken()}, in the node's Verify Token field and in the Meta App Dashboard.`,
		);
	}
	if (mode === 'appSubscription' && !credentials.appSecret) {
		throw new NodeOperationError(
			ctx.getNode(),
			'Webhook Registration "App Subscription" needs the App Secret in the WhatsApp Cloud API credential (App Dashboard → App settings → Basic): it signs the app access token and every webhook. Fill it in, or choose "Account Callback Override".',
		);
	}
	const filters = ctx.getNodeParameter('filters', {}) as { phoneNumberIds?: unknown };
	return {
		mode,
		callbackUrl,
		verifyToken,
		businessAccountId: String(credentials.businessAccountId ?? '').trim(),
		appId: String(credentials.appId ?? '').trim(),
		phoneNumberIds: String(filters.phoneNumberIds ?? '')
			.split(/[\s,]+/)
			.filter((id) => id !== ''),
	};
}

/** The registration's two kinds of Graph calls, both through the one Graph client. */
function graphPort(ctx: IHookFunctions, credentials: CloudApiCredentials): GraphPort {
	const client = new GraphClient(ctx, credentials);
	return {
		user: async (method, path, options = {}) => await client.request(method, path, options),
		app: async (method, path, options = {}) => await client.appRequest(method, path, options),
	};
}
