import {
	type IDataObject,
	type IExecuteFunctions,
	NodeApiError,
	NodeOperationError,
} from 'n8n-workflow';

import { UnusableAnswerError } from '../../../lib/core/ai';
import { FieldError } from '../../../lib/core/fieldError';
import { StoreConfigError, StoreInputError } from '../../../lib/store';

/** A problem with the node's setup or the model's answer, and what to do about it. */
export class FixableError extends Error {
	readonly fix: string;

	constructor(message: string, fix: string) {
		super(message);
		this.name = 'FixableError';
		this.fix = fix;
	}
}

export function toNodeError(
	this: IExecuteFunctions,
	error: Error,
	itemIndex: number,
): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
	const node = this.getNode();
	if (error instanceof FieldError || error instanceof UnusableAnswerError) {
		return new NodeOperationError(node, error.message, {
			description: error.describe(),
			itemIndex,
		});
	}
	if (error instanceof FixableError) {
		return new NodeOperationError(node, error.message, { description: error.fix, itemIndex });
	}
	if (error instanceof StoreConfigError || error instanceof StoreInputError) {
		return new NodeOperationError(node, error.message, {
			description:
				'The State Store of the WhatsApp credential (conversation history, recorded opt-outs) could not be used.',
			itemIndex,
		});
	}
	return new NodeOperationError(node, error, { itemIndex });
}

/** The `error` of an item under Continue On Fail: the node error plus the fields to act on. */
export function errorJson(nodeError: NodeApiError | NodeOperationError, cause: Error): IDataObject {
	const json: IDataObject = {
		message: nodeError.message,
		description: nodeError.description ?? null,
	};
	if (cause instanceof FieldError) {
		Object.assign(json, {
			field: cause.field,
			value: cause.value as IDataObject[keyof IDataObject],
			fix: cause.fix,
		});
	} else if (cause instanceof UnusableAnswerError) {
		Object.assign(json, { modelAnswer: cause.answer, expected: cause.expected, fix: cause.fix });
	} else if (cause instanceof FixableError) {
		json.fix = cause.fix;
	} else if (nodeError instanceof NodeApiError && nodeError.httpCode) {
		json.httpCode = nodeError.httpCode;
	}
	return json;
}
