/**
 * This trigger as a route of the account (lib/core/routing.ts): its id, role, filters and the
 * Meta callbacks it can hold, read from the node's parameters. Registration stores it on
 * activation; the webhook routes with it even before it is stored (a lone trigger in the editor).
 */
import { NodeOperationError, type IHookFunctions, type IWebhookFunctions } from 'n8n-workflow';

import { mergeConsentKeywordOptions } from '../../lib/core/consentKeywords';
import {
	defaultRouteRole,
	ROUTE_ROLES,
	routeFiltersOf,
	type Route,
	type RouteRole,
} from '../../lib/core/routing';
import {
	routeConsentOf,
	type RegistrationMode,
	type RouteConsentOptions,
	type StoredRouteFilters,
	type TriggerSettings,
} from '../../lib/inbound';
import type { RouteRecord } from '../../lib/store';

type TriggerContext = IHookFunctions | IWebhookFunctions;

/** The Routing Role parameter's default: what a trigger saved before routing existed gets. */
const AUTOMATIC_ROLE = 'automatic';

/** `<workflowId>/<nodeId>`; while listening for a test event in the editor, `…#test`. */
export function routeIdOf(ctx: TriggerContext): string {
	const id = publishedRouteIdOf(ctx);
	return isTestMode(ctx) ? testRouteIdOf(id) : id;
}

export function publishedRouteIdOf(ctx: TriggerContext): string {
	return `${String(ctx.getWorkflow().id ?? '')}/${ctx.getNode().id}`;
}

export function testRouteIdOf(publishedId: string): string {
	return `${publishedId}#test`;
}

/**
 * n8n registers and calls the editor's test webhook ("Listen for test event") in manual mode; it
 * deletes both kinds in `internal` mode (see registration.ts `remove`).
 */
export function isTestMode(ctx: TriggerContext): boolean {
	return ctx.getMode() === 'manual';
}

export function selfRoute(ctx: TriggerContext, settings: TriggerSettings): Route {
	const workflowName = ctx.getWorkflow().name;
	const filters: StoredRouteFilters = {
		...routeFiltersOf(settings),
		consent: {
			keywords: settings.consentKeywords,
			confirmOptOut: settings.optOutConfirmation.enabled,
			confirmationText: settings.optOutConfirmation.customText,
		},
		...(typeof workflowName === 'string' && workflowName !== '' ? { workflowName } : {}),
	};
	const role = readRole(ctx, filters.keywords);
	const priority = role === 'keyword' ? Number(ctx.getNodeParameter('keywordPriority', 0)) : 0;
	if (!Number.isFinite(priority)) {
		throw new NodeOperationError(
			ctx.getNode(),
			`Keyword Priority ${JSON.stringify(priority)} is not a number: enter a whole number, e.g. 10 (higher wins)`,
		);
	}
	const options = ctx.getNodeParameter('options', {}) as Record<string, unknown>;
	return {
		id: routeIdOf(ctx),
		role,
		priority: Math.trunc(priority),
		filters,
		receiveConsumedReplies: options.receiveConsumedReplies === true,
	};
}

function readRole(ctx: TriggerContext, keywords: string[]): RouteRole {
	const value = ctx.getNodeParameter('routingRole', AUTOMATIC_ROLE) as string;
	if (value === AUTOMATIC_ROLE || value === '') return defaultRouteRole({ keywords });
	if (!(ROUTE_ROLES as readonly string[]).includes(value)) {
		throw new NodeOperationError(
			ctx.getNode(),
			`Routing Role ${JSON.stringify(value)} is unknown: choose Every Matching Event, Keyword Flow or Fallback`,
		);
	}
	if (value === 'keyword' && keywords.length === 0) {
		throw new NodeOperationError(
			ctx.getNode(),
			'Routing Role "Keyword Flow" needs at least one keyword: enter them under Keywords (one per line), or choose the role Fallback or Every Matching Event',
		);
	}
	return value as RouteRole;
}

/** The Meta callbacks a route of this mode can hold (the store's callback holders). */
export function scopesOf(mode: RegistrationMode, phoneNumberIds: readonly string[]): string[] {
	switch (mode) {
		case 'accountOverride':
			return ['account'];
		case 'appSubscription':
			return ['app'];
		case 'manual':
			return ['manual'];
		case 'numberOverride':
			return phoneNumberIds.map((id) => `number:${id}`);
	}
}

/**
 * Consent is recorded once, by the trigger Meta calls, with the keywords and phrases of every
 * published route (a contact who wrote any route's STOP opted out; a word or phrase in two lists
 * counts for the strongest, see mergeConsentKeywordOptions) and a confirmation when any route asks
 * for one (this trigger's text when it confirms, else the oldest route's that sets one). A route
 * stored before phrases existed has no phrase lists: it counts with the default phrases, as it
 * would after being published again.
 */
export function consentSettingsFor(
	settings: TriggerSettings,
	routes: readonly RouteRecord[],
	selfId: string,
): TriggerSettings {
	const own: RouteConsentOptions = {
		keywords: settings.consentKeywords,
		confirmOptOut: settings.optOutConfirmation.enabled,
		confirmationText: settings.optOutConfirmation.customText,
	};
	const all = [
		own,
		...routes
			.filter((route) => route.id !== selfId)
			.map(routeConsentOf)
			.filter((consent) => consent !== null),
	];
	if (all.length === 1) return settings;
	const keywords = mergeConsentKeywordOptions(all.map((consent) => consent.keywords));
	const confirming = all.filter((consent) => consent.confirmOptOut);
	return {
		...settings,
		consentKeywords: keywords,
		optOutConfirmation: {
			enabled: confirming.length > 0,
			customText:
				(own.confirmOptOut ? own.confirmationText : null) ??
				confirming.find((consent) => consent.confirmationText !== null)?.confirmationText ??
				null,
		},
	};
}
