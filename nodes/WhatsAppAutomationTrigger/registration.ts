/**
 * The activation lifecycle (checkExists / create / delete): n8n's side of lib/inbound/registration.
 * Errors become NodeOperationErrors that name the setting to change, so a failed activation says
 * why in the editor.
 */
import { NodeOperationError, type IHookFunctions } from 'n8n-workflow';

import { MetaApiError } from '../../lib/core/errors';
import { generateVerifyToken } from '../../lib/core/signature';
import {
	isRegistered,
	register,
	unregister,
	type GraphPort,
	type RegistrationTarget,
} from '../../lib/inbound';
import {
	CREDENTIAL_TYPE,
	GraphClient,
	type CloudApiCredentials,
} from '../../lib/transport/graphApi';
import {
	acceptsUnsignedDeliveries,
	expectedVerifyToken,
	readRegistrationMode,
	readTriggerSettings,
} from './parameters';

const MIN_MANUAL_TOKEN_LENGTH = 16;

/** n8n calls this first on every activation, so it is where a trigger that cannot verify says so. */
export async function checkExists(this: IHookFunctions): Promise<boolean> {
	readTriggerSettings(this);
	await refuseUnverifiable(this);
	return await withContext(this, async (graph, target) => await isRegistered(graph, target));
}

export async function create(this: IHookFunctions): Promise<boolean> {
	await withContext(this, async (graph, target) => await register(graph, target));
	return true;
}

export async function remove(this: IHookFunctions): Promise<boolean> {
	await withContext(this, async (graph, target) => await unregister(graph, target));
	return true;
}

/**
 * A trigger without an App Secret would answer every delivery 401, so it is not published (n8n
 * shows the activation error in the editor) unless the user chose to accept unsigned deliveries;
 * then the risk is logged on every activation and shown as a notice in the node.
 */
async function refuseUnverifiable(ctx: IHookFunctions): Promise<void> {
	const credentials = (await ctx.getCredentials(CREDENTIAL_TYPE)) as CloudApiCredentials;
	if (credentials.appSecret) return;
	if (!acceptsUnsignedDeliveries(ctx)) {
		throw new NodeOperationError(
			ctx.getNode(),
			'The WhatsApp Cloud API credential has no App Secret, so this trigger cannot verify that deliveries come from Meta and would refuse every one (401)',
			{
				description:
					'Fill in the App Secret in the credential (Meta App Dashboard → App settings → Basic → App secret). Only for a provider that does not sign its webhooks, turn on the trigger option "Accept Unsigned Deliveries (Insecure)".',
			},
		);
	}
	ctx.logger.warn(
		`WhatsApp Automation Trigger "${ctx.getNode().name}" accepts UNSIGNED deliveries (option "Accept Unsigned Deliveries (Insecure)"): anyone who knows its URL can forge messages and consent changes. Fill in the App Secret in the WhatsApp Cloud API credential unless the provider cannot sign.`,
		{ workflowId: ctx.getWorkflow().id, node: ctx.getNode().name },
	);
}

async function withContext<T>(
	ctx: IHookFunctions,
	action: (graph: GraphPort, target: RegistrationTarget) => Promise<T>,
): Promise<T> {
	const credentials = (await ctx.getCredentials(CREDENTIAL_TYPE)) as CloudApiCredentials;
	const target = registrationTarget(ctx, credentials);
	try {
		return await action(graphPort(ctx, credentials), target);
	} catch (error) {
		const message =
			error instanceof MetaApiError
				? `Meta refused the webhook registration (${target.mode}): ${error.describe()}`
				: (error as Error).message;
		throw new NodeOperationError(ctx.getNode(), message);
	}
}

function registrationTarget(
	ctx: IHookFunctions,
	credentials: CloudApiCredentials,
): RegistrationTarget {
	const mode = readRegistrationMode(ctx);
	const callbackUrl = ctx.getNodeWebhookUrl('default');
	if (callbackUrl === undefined) {
		throw new NodeOperationError(ctx.getNode(), 'n8n gave this trigger no webhook URL');
	}
	const verifyToken = expectedVerifyToken(ctx, credentials);
	if (mode === 'manual' && verifyToken.length < MIN_MANUAL_TOKEN_LENGTH) {
		throw new NodeOperationError(
			ctx.getNode(),
			`Verify Token ${verifyToken === '' ? 'is empty' : `has ${verifyToken.length} characters`}; manual registration needs at least ${MIN_MANUAL_TOKEN_LENGTH}. Enter a random one, for example ${generateVerifyToken()}, in the node's Verify Token field and in the Meta App Dashboard.`,
		);
	}
	if (mode === 'appSubscription' && !credentials.appSecret) {
		throw new NodeOperationError(
			ctx.getNode(),
			'Webhook Registration "App Subscription" needs the App Secret in the WhatsApp Cloud API credential (App Dashboard → App settings → Basic): it signs the app access token and every webhook. Fill it in, or choose "Account Callback Override".',
		);
	}
	const filters = ctx.getNodeParameter('filters', {}) as { phoneNumberIds?: unknown };
	return {
		mode,
		callbackUrl,
		verifyToken,
		businessAccountId: String(credentials.businessAccountId ?? '').trim(),
		appId: String(credentials.appId ?? '').trim(),
		phoneNumberIds: String(filters.phoneNumberIds ?? '')
			.split(/[\s,]+/)
			.filter((id) => id !== ''),
	};
}

/** The registration's two kinds of Graph calls, both through the one Graph client. */
function graphPort(ctx: IHookFunctions, credentials: CloudApiCredentials): GraphPort {
	const client = new GraphClient(ctx, credentials);
	return {
		user: async (method, path, options = {}) => await client.request(method, path, options),
		app: async (method, path, options = {}) => await client.appRequest(method, path, options),
	};
}
