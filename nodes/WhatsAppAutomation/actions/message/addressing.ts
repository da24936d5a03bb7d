import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { UnknownConsentPolicy } from '../../../../lib/core/consentPolicy';
import { FieldError } from '../../../../lib/core/messages';
import { parseE164 } from '../../../../lib/core/phone';

/** The fields every message to a contact shares: recipient, purpose and the send options. */
export interface Addressing {
	recipient: { phone: string; waId: string };
	/** The Purpose parameter as set: `auto`, `marketing` or `service`. */
	purposeSetting: unknown;
	unknownConsent: UnknownConsentPolicy;
	/** The envelope of the request body: recipient, quoted message, callback data. */
	common: { recipient: { to: string }; replyToMessageId?: string; bizOpaqueCallbackData?: string };
}

export function readAddressing(fn: IExecuteFunctions, itemIndex: number): Addressing {
	const rawPhone = fn.getNodeParameter('recipientPhone', itemIndex);
	const phone = parseE164(rawPhone);
	if (!phone.ok) {
		throw new FieldError(
			'Recipient Phone',
			rawPhone,
			`is invalid: ${phone.reason}`,
			'Use E.164: "+", country code and number without spaces, e.g. +4915112345678.',
		);
	}
	const options = fn.getNodeParameter('options', itemIndex, {}) as IDataObject;
	return {
		recipient: { phone: phone.e164, waId: phone.waId },
		purposeSetting: fn.getNodeParameter('purpose', itemIndex, 'auto'),
		unknownConsent: options.requireOptIn ? 'needsOptIn' : 'allow',
		common: {
			recipient: { to: phone.waId },
			replyToMessageId: (options.replyToMessageId as string) || undefined,
			bizOpaqueCallbackData: (options.callbackData as string) || undefined,
		},
	};
}
