/**
 * What both sides of the campaign comparison send: one template with four body variables per
 * recipient (issue 18: "4 variables by expression"), each mapped by an expression from the item.
 */

/** The emulator's `appointment_reminder`: "Hello {{1}}, your appointment with {{2}} on {{3}} is confirmed. Location: {{4}}". */
export const CAMPAIGN_TEMPLATE = { name: 'appointment_reminder', language: 'en_US' };

/** The item fields mapped to the template's body variables 1 to 4, in order. */
export const CAMPAIGN_VARIABLES = ['name', 'provider', 'appointment', 'location'] as const;

export type Recipient = { phone: string } & Record<(typeof CAMPAIGN_VARIABLES)[number], string>;

/**
 * Each run sends to its own recipients, a series, so that the TLS front tells the runs apart by
 * the first digits of the number (seriesDigits).
 */
export const SERIES = {
	ours: 0,
	builtin: 1,
	oursCapped: 2,
	queue: 3,
	oursWarmUp: 5,
	oursCappedWarmUp: 6,
	queueWarmUp: 7,
	builtinWarmUp: 8,
} as const;

export const seriesDigits = (series: number): string => `49${170 + series}`;

const PROVIDERS = ['Dr. Weber', 'Dr. Okafor', 'Dr. Lindqvist', 'Dr. Haddad'];

/** `count` distinct German mobile numbers in E.164, with the four template variables. */
export function campaignRecipients(count: number, series: number): Recipient[] {
	return Array.from({ length: count }, (_, index) => ({
		phone: `+${seriesDigits(series)}${String(index).padStart(8, '0')}`,
		name: `Customer ${index}`,
		provider: PROVIDERS[index % PROVIDERS.length],
		appointment: `May ${(index % 28) + 1}, ${9 + (index % 8)}:00`,
		location: `Main Street ${(index % 200) + 1}`,
	}));
}

/** The built-in "WhatsApp Business Cloud" node, Send Template, mapping the same four variables. */
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
							parameter: CAMPAIGN_VARIABLES.map((field) => text(`$json.${field}`)),
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
				value: Object.fromEntries(
					CAMPAIGN_VARIABLES.map((field, index) => [`body_${index + 1}`, `={{ $json.${field} }}`]),
				),
			},
			options: { ...pacing, maxRetries: 3, retryDelaySeconds: 1 },
		},
	};
}
