import {
	type IExecuteFunctions,
	type JsonObject,
	NodeApiError,
	NodeConnectionTypes,
	NodeOperationError,
} from 'n8n-workflow';

import type { ModelMessage } from '../../../lib/core/ai';
import { FixableError } from './errors';

/** What every n8n chat model sub-node hands over (a LangChain chat model), as far as this node uses it. */
export interface ChatModel {
	invoke(messages: ModelMessage[]): Promise<unknown>;
}

const MODEL_FAILURE_HINT =
	"The chat model sub-node failed: check its credential, model name and the provider's quota. The provider's message is kept above.";

/**
 * The Chat Model sub-node, read once per execution: its parameters are not per item, and n8n's
 * own chains do the same.
 */
export async function connectedChatModel(context: IExecuteFunctions): Promise<ChatModel> {
	const model = await context.getInputConnectionData(NodeConnectionTypes.AiLanguageModel, 0);
	if (model === undefined || model === null) {
		throw new FixableError(
			'No chat model is connected',
			'Connect a chat model sub-node (OpenAI Chat Model, Anthropic Chat Model, Ollama Chat Model…) to the Chat Model input of this node.',
		);
	}
	if (typeof (model as Partial<ChatModel>).invoke !== 'function') {
		throw new FixableError(
			'The sub-node connected as Chat Model is not a chat model',
			'Connect a chat model sub-node to the Chat Model input.',
		);
	}
	return model as ChatModel;
}

/**
 * Invokes the model. A provider's failure becomes this item's error with the provider's own message
 * (and HTTP status when there is one), never a generic one.
 */
export async function askModel(
	context: IExecuteFunctions,
	model: ChatModel,
	messages: ModelMessage[],
	itemIndex: number,
): Promise<unknown> {
	try {
		return await model.invoke(messages);
	} catch (error) {
		const cause = error as {
			message?: unknown;
			description?: unknown;
			httpCode?: unknown;
			status?: unknown;
		};
		const message =
			typeof cause?.message === 'string' && cause.message ? cause.message : String(error);
		const description =
			typeof cause?.description === 'string' && cause.description
				? `${cause.description}\n${MODEL_FAILURE_HINT}`
				: MODEL_FAILURE_HINT;
		const status = cause?.httpCode ?? cause?.status;
		if (status === undefined || status === null) {
			throw new NodeOperationError(context.getNode(), message, { description, itemIndex });
		}
		throw new NodeApiError(context.getNode(), error as JsonObject, {
			message,
			description,
			httpCode: String(status),
			itemIndex,
		});
	}
}
