import type { ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';

import { waMeLink } from '../../lib/core/phone';
import type { RouteRole } from '../../lib/core/routing';
import { keywordLines, TEST_ROUTE_MODE, type StoredRouteFilters } from '../../lib/inbound';
import { CREDENTIAL_TYPE, GraphClient } from '../../lib/transport/graphApi';
import { openAccountStore } from '../helpers/storeAccess';

/**
 * The wa.me links for keyword-started flows, one per business number and keyword, shown in a
 * dropdown because that is where n8n can show values that need an API call.
 */
export async function getKeywordLinks(
	this: ILoadOptionsFunctions,
): Promise<INodePropertyOptions[]> {
	const keywords = keywordLines(this.getCurrentNodeParameter('keywords'));
	if (keywords.length === 0) {
		return [{ name: 'Enter Keywords Above to See Their Share Links', value: '' }];
	}
	if (this.getCurrentNodeParameter('keywordMatch') === 'regex') {
		return [{ name: 'Patterns Cannot Be Pre-Filled; Use Another Keyword Match', value: '' }];
	}
	const numbers = await (await GraphClient.create(this)).listPhoneNumbers();
	const links: INodePropertyOptions[] = [];
	for (const number of numbers) {
		for (const keyword of keywords) {
			try {
				const link = waMeLink(number.display_phone_number, keyword);
				links.push({
					name: link,
					value: link,
					description: `${keyword} → ${number.display_phone_number}${number.verified_name ? ` (${number.verified_name})` : ''}`,
				});
			} catch {
				// A number Meta shows without a country code cannot get a link; skip it.
			}
		}
	}
	return links;
}

const ROLE_NAMES: Record<RouteRole, string> = {
	every: 'Every Matching Event',
	keyword: 'Keyword Flow',
	fallback: 'Fallback',
};

/**
 * The account's published trigger workflows, for the read-only "Workflows on This Account" list:
 * n8n cannot make a notice show live data, a dropdown can. One entry per route: the workflow's
 * name (its id when the route was published before names were kept), its role and keywords,
 * whether it holds Meta's callback, and whether it is this workflow.
 */
export async function getAccountWorkflows(
	this: ILoadOptionsFunctions,
): Promise<INodePropertyOptions[]> {
	const credentials = await this.getCredentials(CREDENTIAL_TYPE);
	const { store, account } = await openAccountStore(credentials, this.logger);
	const routes = await store.listRoutes(account);
	if (routes.length === 0) {
		return [
			{
				name: 'No Published Trigger Workflow on This Account Yet',
				value: '',
				description: 'Publish a workflow with this trigger: it appears here',
			},
		];
	}
	const holders = new Map<string, string[]>();
	for (const scope of new Set(routes.flatMap((route) => route.scopes))) {
		const holder = await store.getCallbackHolder(account, scope);
		if (holder !== null)
			holders.set(holder.routeId, [...(holders.get(holder.routeId) ?? []), scope]);
	}
	const thisWorkflow = String(this.getWorkflow().id ?? '');
	return routes.map((route) => {
		const [workflowId] = route.id.split('/');
		const stored = route.filters as StoredRouteFilters;
		const listening = route.registrationMode === TEST_ROUTE_MODE;
		const parts = [
			`${stored.workflowName ?? `Workflow ${workflowId}`}${workflowId === thisWorkflow ? ' (this workflow)' : ''}`,
			listening ? 'listening for a test event in the editor' : ROLE_NAMES[route.role],
			...(route.filters.keywords.length > 0
				? [`keywords: ${route.filters.keywords.join(', ')}`]
				: []),
			...(holders.has(route.id) ? ['holds Meta’s callback'] : []),
		];
		return {
			name: parts.join(' · '),
			value: route.id,
			description: `Workflow ID ${workflowId}, ${listening ? 'editor test' : `registration ${route.registrationMode}`}, published ${route.publishedAt.toISOString()}${holders.has(route.id) ? `; Meta calls it (${holders.get(route.id)!.join(', ')}) and it forwards to the others` : ''}`,
		};
	});
}
