/** Meta's webhook deliveries as the benchmark sends them: a customer's text message, signed. */
import { signMetaPayload } from '../../lib/core/signature';
import { metaFixture } from '../../test/helpers/metaFixtures';
import type { PreparedRequest } from './load';

export interface InboundText {
	wabaId: string;
	phoneNumberId: string;
	/** The customer's wa_id (digits). */
	from: string;
	wamid: string;
	text: string;
	sentAt: Date;
}

/** Meta's own text-message example with this message's ids, number, text and time. */
export function textMessageBody(message: InboundText): string {
	const body = metaFixture('webhooks/post-request/text-message.json');
	const entry = body.entry[0];
	entry.id = message.wabaId;
	const value = entry.changes[0].value;
	value.metadata.phone_number_id = message.phoneNumberId;
	value.contacts[0].wa_id = message.from;
	const [inbound] = value.messages;
	inbound.from = message.from;
	inbound.id = message.wamid;
	inbound.timestamp = String(Math.floor(message.sentAt.getTime() / 1000));
	inbound.text = { body: message.text };
	return JSON.stringify(body);
}

/** A POST as Meta makes it: the raw body with its X-Hub-Signature-256 (and any `extraHeaders`). */
export function signedDelivery(
	url: string,
	rawBody: string,
	appSecret: string,
	extraHeaders: Record<string, string> = {},
): PreparedRequest {
	return {
		url,
		headers: {
			...extraHeaders,
			'content-type': 'application/json',
			'x-hub-signature-256': signMetaPayload(rawBody, appSecret),
		},
		body: rawBody,
	};
}

/**
 * Signed deliveries of a customer's text message to one receiver, each from a new contact (as the
 * inbound scenario sends them): call it with how many are due next. `series` keeps the contacts of
 * several receivers apart.
 */
export function newContactDeliveries(
	account: { wabaId: string; phoneNumberId: string; appSecret: string },
	endpoint: { url: string; headers: Record<string, string> },
	series: number,
): (count: number) => PreparedRequest[] {
	let next = 0;
	return (count) =>
		Array.from({ length: count }, () => {
			const index = next++;
			const body = textMessageBody({
				wabaId: account.wabaId,
				phoneNumberId: account.phoneNumberId,
				from: `49157${series}${String(index).padStart(7, '0')}`,
				wamid: `wamid.bench-${series}-${index}-${Date.now()}`,
				text: `Hello ${index}`,
				sentAt: new Date(),
			});
			return signedDelivery(endpoint.url, body, account.appSecret, endpoint.headers);
		});
}
