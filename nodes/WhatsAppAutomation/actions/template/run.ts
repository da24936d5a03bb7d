import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { MessageTemplate } from '../../../../lib/core/templates';
import { GraphClient } from '../../../../lib/transport/graphApi';
import { errorItem, toNodeError } from '../../../../lib/transport/nodeErrors';
import type { TemplateOperation } from '../types';

/**
 * Runs a template operation for every item, in order: its output items carry the item's
 * pairedItem; a failing item throws (the n8n default) or, with Continue On Fail, becomes its own
 * error item while the others go on. Meta's errors keep their code, title and details.
 */
export async function runTemplate(
	this: IExecuteFunctions,
	operation: TemplateOperation,
): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const client = await GraphClient.create(this);
	const output: INodeExecutionData[] = [];
	for (let i = 0; i < items.length; i++) {
		try {
			for (const json of await operation.run.call(this, client, i)) {
				output.push({ json, pairedItem: { item: i } });
			}
		} catch (error) {
			if (!this.continueOnFail()) throw toNodeError(this, error as Error, i);
			output.push(errorItem(this, error as Error, i));
		}
	}
	return [output];
}

/** A template as an output item: Meta's fields, the ones a workflow branches on flattened. */
export function templateJson(template: MessageTemplate): IDataObject {
	return {
		id: template.id ?? null,
		name: template.name,
		language: template.language,
		status: template.status,
		category: template.category,
		qualityScore: template.quality_score?.score ?? null,
		rejectedReason: template.rejected_reason ?? null,
		previousCategory: template.previous_category ?? null,
		parameterFormat: template.parameter_format ?? 'POSITIONAL',
		components: template.components as unknown as IDataObject[],
	};
}

/** A text parameter of item `i`, trimmed; `undefined` and null read as empty. */
export function readText(value: unknown): string {
	if (value === undefined || value === null) return '';
	return (typeof value === 'string' ? value : String(value)).trim();
}
