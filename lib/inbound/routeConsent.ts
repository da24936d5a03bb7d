/**
 * The consent words each trigger of an account stores with its route: the trigger Meta calls
 * records consent with all of them, and the send node's MARKETING-template check asks whether a
 * tap on a template's button would count as an opt-out under them.
 */
import { mergeConsentKeywordOptions, type ConsentKeywordOptions } from '../core/consentKeywords';
import type { Route } from '../core/routing';
import type { RouteRecord } from '../store';

/** The consent settings a route stores, so the trigger Meta calls applies every route's words. */
export interface RouteConsentOptions {
	keywords: ConsentKeywordOptions;
	confirmOptOut: boolean;
	confirmationText: string | null;
}

/**
 * What the store keeps of a route's filters: the routing filters, the consent options, and the
 * workflow's name when it was published (the editor's list of the account's workflows shows it).
 */
export type StoredRouteFilters = Route['filters'] & {
	consent?: RouteConsentOptions;
	workflowName?: string;
};

/** A route's consent options; null for a route stored without them. */
export function routeConsentOf(route: Pick<RouteRecord, 'filters'>): RouteConsentOptions | null {
	const consent = (route.filters as StoredRouteFilters).consent;
	return isConsentOptions(consent) ? consent : null;
}

/**
 * The words the account's triggers record consent with, merged as the trigger Meta calls merges
 * them; null when no trigger stored any (then the defaults apply, as for a lone trigger).
 */
export function accountConsentKeywords(
	routes: ReadonlyArray<Pick<RouteRecord, 'filters'>>,
): Required<ConsentKeywordOptions> | null {
	const all = routes.map(routeConsentOf).filter((consent) => consent !== null);
	return all.length === 0
		? null
		: mergeConsentKeywordOptions(all.map((consent) => consent.keywords));
}

function isConsentOptions(value: unknown): value is RouteConsentOptions {
	return (
		typeof value === 'object' &&
		value !== null &&
		typeof (value as RouteConsentOptions).keywords === 'object' &&
		typeof (value as RouteConsentOptions).confirmOptOut === 'boolean'
	);
}
