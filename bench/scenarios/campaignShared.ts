/** What both sides of the campaign comparison send: one template with three variables per recipient. */

export const CAMPAIGN_TEMPLATE = { name: 'order_confirmation', language: 'en_US' };

export interface Recipient {
	phone: string;
	name: string;
	total: string;
	deliveryDate: string;
}

/**
 * Each run sends to its own recipients, a series, so that the TLS front tells the runs apart by
 * the first digits of the number (seriesDigits).
 */
export const SERIES = {
	ours: 0,
	builtin: 1,
	oursCapped: 2,
	oursWarmUp: 5,
	oursCappedWarmUp: 6,
	builtinWarmUp: 8,
} as const;

export const seriesDigits = (series: number): string => `49${170 + series}`;

/** `count` distinct German mobile numbers in E.164, with the three template variables. */
export function campaignRecipients(count: number, series: number): Recipient[] {
	return Array.from({ length: count }, (_, index) => ({
		phone: `+${seriesDigits(series)}${String(index).padStart(8, '0')}`,
		name: `Customer ${index}`,
		total: `€${(index % 500) + 10}.90`,
		deliveryDate: 'May 4, 2026',
	}));
}

/** The built-in "WhatsApp Business Cloud" node, Send Template, mapping the same three variables. */
export function builtinSendNode(phoneNumberId: string, credentialName: string) {
	const text = (expression: string) => ({ type: 'text', text: `={{ ${expression} }}` });
	return {
		name: 'WhatsApp Business Cloud',
		type: 'n8n-nodes-base.whatsApp',
		typeVersion: 1.1,
		onError: 'continueRegularOutput' as const,
		credentials: { whatsAppApi: { name: credentialName } },
		parameters: {
			resource: 'message',
			operation: 'sendTemplate',
			phoneNumberId,
			recipientPhoneNumber: '={{ $json.phone }}',
			template: `${CAMPAIGN_TEMPLATE.name}|${CAMPAIGN_TEMPLATE.language}`,
			components: {
				component: [
					{
						type: 'body',
						bodyParameters: {
							parameter: [text('$json.name'), text('$json.total'), text('$json.deliveryDate')],
						},
					},
				],
			},
		},
	};
}

/** Our WhatsApp Automation node, Send Template, with the given pacing. */
export function ourSendNode(
	packageName: string,
	phoneNumberId: string,
	credentialName: string,
	pacing: { messagesPerSecond: number; concurrency: number },
) {
	return {
		name: 'WhatsApp Automation',
		type: `${packageName}.whatsAppAutomation`,
		typeVersion: 1,
		onError: 'continueRegularOutput' as const,
		credentials: { whatsAppCloudApi: { name: credentialName } },
		parameters: {
			operation: 'sendTemplate',
			sender: { __rl: true, mode: 'id', value: phoneNumberId },
			recipientPhone: '={{ $json.phone }}',
			template: {
				__rl: true,
				mode: 'name',
				value: `${CAMPAIGN_TEMPLATE.name}|${CAMPAIGN_TEMPLATE.language}`,
			},
			variables: {
				mappingMode: 'defineBelow',
				value: {
					body_1: '={{ $json.name }}',
					body_2: '={{ $json.total }}',
					body_3: '={{ $json.deliveryDate }}',
				},
			},
			options: { ...pacing, maxRetries: 3, retryDelaySeconds: 1 },
		},
	};
}
