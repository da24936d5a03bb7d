import type { RunningEmulator } from '../../emulator';

/** The business side of the browser stories: what a workflow would send, through the Graph API. */

export interface GraphAnswer {
	status: number;
	body: Record<string, any>;
}

/** POSTs a message from `phoneNumberId` to `to`, as the send node would. */
export async function sendAsBusiness(
	emulator: RunningEmulator,
	phoneNumberId: string,
	to: string,
	body: Record<string, unknown>,
): Promise<GraphAnswer> {
	const info = emulator.info();
	const response = await fetch(
		`${emulator.baseUrl}/${info.graphVersion}/${phoneNumberId}/messages`,
		{
			method: 'POST',
			headers: { authorization: `Bearer ${info.accessToken}`, 'content-type': 'application/json' },
			body: JSON.stringify({ messaging_product: 'whatsapp', to, ...body }),
		},
	);
	return { status: response.status, body: (await response.json()) as Record<string, any> };
}

/** The seeded marketing template with its two body parameters and its URL button's suffix. */
export const springSale = {
	type: 'template',
	template: {
		name: 'spring_sale',
		language: { code: 'en_US' },
		components: [
			{
				type: 'body',
				parameters: [
					{ type: 'text', text: 'Anna' },
					{ type: 'text', text: '20%' },
				],
			},
			{ type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: 'anna' }] },
		],
	},
};
