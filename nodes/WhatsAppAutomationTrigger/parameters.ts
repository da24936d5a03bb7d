import { NodeOperationError, type IHookFunctions, type IWebhookFunctions } from 'n8n-workflow';

import { FieldError } from '../../lib/core/fieldError';
import {
	deriveVerifyToken,
	REGISTRATION_MODES,
	resolveTriggerSettings,
	type RegistrationMode,
	type TriggerSettings,
} from '../../lib/inbound';
import type { CloudApiCredentials } from '../../lib/transport/graphApi';

type TriggerContext = IHookFunctions | IWebhookFunctions;

interface Collection {
	[key: string]: unknown;
}

/** The node's parameters as checked settings; a bad one fails with its name, value and fix. */
export function readTriggerSettings(ctx: TriggerContext): TriggerSettings {
	const filters = ctx.getNodeParameter('filters', {}) as Collection;
	const options = ctx.getNodeParameter('options', {}) as Collection;
	const events = ctx.getNodeParameter('events', []) as string[];
	const messageEvents =
		events.includes('messageReceived') || events.includes('conversationStarted');
	try {
		return resolveTriggerSettings({
			events,
			onlyFirstEver: events.includes('conversationStarted')
				? ctx.getNodeParameter('onlyFirstEver', false)
				: false,
			statuses: events.includes('messageStatus') ? ctx.getNodeParameter('statuses', []) : [],
			keywords: messageEvents ? ctx.getNodeParameter('keywords', '') : '',
			keywordMatch: messageEvents ? ctx.getNodeParameter('keywordMatch', 'exact') : 'exact',
			phoneNumberIds: filters.phoneNumberIds,
			messageTypes: filters.messageTypes,
			blockKeywords: options.blockKeywords,
			optOutKeywords: options.optOutKeywords,
			optInKeywords: options.optInKeywords,
			optOutButtonPayloads: options.optOutButtonPayloads,
			blockPhrases: options.blockPhrases,
			optOutPhrases: options.optOutPhrases,
			confirmOptOut: options.confirmOptOut,
			optOutConfirmationText: options.optOutConfirmationText,
		});
	} catch (error) {
		const message =
			error instanceof FieldError
				? `${error.message}: ${error.describe()}`
				: (error as Error).message;
		throw new NodeOperationError(ctx.getNode(), message);
	}
}

export function readMediaOptions(ctx: IWebhookFunctions): { download: boolean; field: string } {
	const options = ctx.getNodeParameter('options', {}) as Collection;
	const field =
		typeof options.binaryPropertyName === 'string' ? options.binaryPropertyName.trim() : '';
	return { download: options.downloadMedia === true, field: field || 'data' };
}

/** The option "Accept Unsigned Deliveries (Insecure)"; only counts while the credential has no App Secret. */
export function acceptsUnsignedDeliveries(ctx: TriggerContext): boolean {
	const options = ctx.getNodeParameter('options', {}) as Collection;
	return options.acceptUnsignedDeliveries === true;
}

export function readRegistrationMode(ctx: TriggerContext): RegistrationMode {
	const mode = ctx.getNodeParameter('registration', 'accountOverride') as RegistrationMode;
	if (!REGISTRATION_MODES.includes(mode)) {
		throw new NodeOperationError(
			ctx.getNode(),
			`Webhook Registration ${JSON.stringify(mode)} is unknown: choose one of ${REGISTRATION_MODES.join(', ')}`,
		);
	}
	return mode;
}

/**
 * The token Meta must echo in the hub.challenge handshake: the user's own in manual mode, else
 * derived from the workflow, the node and a credential secret, so every process agrees on it
 * without storing anything.
 */
export function expectedVerifyToken(ctx: TriggerContext, credentials: CloudApiCredentials): string {
	if (readRegistrationMode(ctx) === 'manual') {
		return String(ctx.getNodeParameter('verifyToken', '')).trim();
	}
	return deriveVerifyToken({
		workflowId: String(ctx.getWorkflow().id ?? ''),
		nodeId: ctx.getNode().id,
		secret: String(credentials.appSecret || credentials.accessToken || ''),
	});
}
