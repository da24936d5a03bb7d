import { createHmac } from 'node:crypto';

/**
 * The verify token the trigger hands to Meta when it registers its own callback. Derived, not
 * stored: every process (main, webhook workers) computes the same token from the workflow, the
 * node and a credential secret, so nothing has to be kept between activation and the challenge,
 * and nobody without the secret can predict it.
 */
export function deriveVerifyToken(input: {
	workflowId: string;
	nodeId: string;
	/** The app secret, or the access token when the credential has no app secret. */
	secret: string;
}): string {
	if (input.secret === '') {
		throw new Error(
			'Cannot derive a verify token without a secret: fill in the App Secret or the Access Token of the WhatsApp Cloud API credential',
		);
	}
	return createHmac('sha256', input.secret)
		.update(`whatsapp-automation-trigger:verify-token:${input.workflowId}:${input.nodeId}`)
		.digest('base64url');
}
