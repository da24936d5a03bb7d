import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { UnknownConsentPolicy } from '../../../../lib/core/consentPolicy';
import { parseRecipientPhone } from '../../../../lib/core/contact';
import { readItemParameter } from '../../../helpers/itemParameter';

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
	const phone = parseRecipientPhone(
		readItemParameter(fn, 'recipientPhone', itemIndex),
		'Recipient Phone',
	);
	const options = readItemParameter(fn, 'options', itemIndex, {}) as IDataObject;
	return {
		recipient: phone,
		purposeSetting: readItemParameter(fn, 'purpose', itemIndex, 'auto'),
		unknownConsent: options.requireOptIn ? 'needsOptIn' : 'allow',
		common: {
			recipient: { to: phone.waId },
			replyToMessageId: (options.replyToMessageId as string) || undefined,
			bizOpaqueCallbackData: (options.callbackData as string) || undefined,
		},
	};
}
