import type { ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';

import { waMeLink } from '../../lib/core/phone';
import { keywordLines } from '../../lib/inbound';
import { GraphClient } from '../../lib/transport/graphApi';

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
