import {
	type IDataObject,
	type INode,
	type INodeExecutionData,
	type JsonObject,
	NodeApiError,
	NodeOperationError,
} from 'n8n-workflow';

import { MetaApiError } from '../core/errors';
import { FieldError } from '../core/fieldError';

/**
 * The pure core's errors as n8n errors: Meta's (code, title, details kept) become NodeApiError,
 * input problems (field, value, fix) NodeOperationError, both tied to the item.
 */
export function toNodeError(
	ctx: { getNode(): INode },
	error: Error,
	itemIndex?: number,
): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
	if (error instanceof MetaApiError) {
		return new NodeApiError(ctx.getNode(), error.toJSON() as unknown as JsonObject, {
			message: error.advice.explanation,
			description: error.describe(),
			httpCode: String(error.httpStatus),
			itemIndex,
		});
	}
	if (error instanceof FieldError) {
		return new NodeOperationError(ctx.getNode(), error.message, {
			description: error.describe(),
			itemIndex,
		});
	}
	return new NodeOperationError(ctx.getNode(), error, { itemIndex });
}

/**
 * An item's result under "Continue On Fail": `{error}` with the message, the description and
 * what to act on (Meta's code, title and details; or the field, the value and the fix).
 */
export function errorItem(
	ctx: { getNode(): INode },
	error: Error,
	itemIndex: number,
): INodeExecutionData {
	const nodeError = toNodeError(ctx, error, itemIndex);
	const details: IDataObject =
		error instanceof MetaApiError
			? (error.toJSON() as unknown as IDataObject)
			: error instanceof FieldError
				? {
						field: error.field,
						value: error.value as IDataObject[keyof IDataObject],
						fix: error.fix,
					}
				: {};
	return {
		json: {
			error: { message: nodeError.message, description: nodeError.description ?? null, ...details },
		},
		pairedItem: { item: itemIndex },
	};
}
