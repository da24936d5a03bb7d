import type { INodeExecutionData } from 'n8n-workflow';

import {
	type ConsentRoute,
	decideConsent,
	parseConsentPurpose,
	parseUnknownConsentPolicy,
} from '../../../lib/core/consentPolicy';
import { consentStateJson } from '../../../lib/consent';
import { parseContactIdentifier } from '../../../lib/core/contact';
import { readItemParameter } from '../../helpers/itemParameter';
import { errorItem, type GateContext, parseItems } from './shared';

const OUTPUT_INDEX: Record<ConsentRoute, number> = { allowed: 0, needsOptIn: 1, blocked: 2 };

/**
 * Routes every item by the contact's consent for the purpose, with one store query for the whole
 * batch. Under "Continue On Fail" a bad item leaves on Blocked (the output that sends nothing).
 */
export async function check(ctx: GateContext): Promise<INodeExecutionData[][]> {
	const { fn, items } = ctx;
	const parsed = parseItems(ctx, (i) => ({
		contact: parseContactIdentifier(readItemParameter(fn, 'contact', i, '')),
		purpose: parseConsentPurpose(readItemParameter(fn, 'purpose', i, 'marketing')),
		unknownPolicy: parseUnknownConsentPolicy(
			readItemParameter(fn, 'unknownConsent', i, 'needsOptIn'),
		),
	}));
	const valid = parsed.flatMap((entry, itemIndex) =>
		entry instanceof Error ? [] : [{ ...entry, itemIndex }],
	);
	const { store, account } = ctx.accountStore;
	const states = await store.getConsentMany(
		account,
		valid.map((entry) => entry.contact),
	);

	const outputs: INodeExecutionData[][] = [[], [], []];
	const routed: Array<{ output: number; item: INodeExecutionData }> = new Array(items.length);
	parsed.forEach((entry, itemIndex) => {
		if (entry instanceof Error) {
			routed[itemIndex] = {
				output: OUTPUT_INDEX.blocked,
				item: errorItem(fn, entry, itemIndex),
			};
		}
	});
	valid.forEach((entry, k) => {
		const state = states[k];
		const { route } = decideConsent(state.status, entry.purpose, entry.unknownPolicy);
		routed[entry.itemIndex] = {
			output: OUTPUT_INDEX[route],
			item: {
				json: { ...items[entry.itemIndex].json, consent: consentStateJson(state) },
				pairedItem: { item: entry.itemIndex },
			},
		};
	});
	for (const { output, item } of routed) outputs[output].push(item);
	return outputs;
}
