import type {
	ILoadOptionsFunctions,
	INodeListSearchResult,
	ResourceMapperFields,
} from 'n8n-workflow';

import { planTemplate, templateRef } from '../../../lib/core/templates';
import { GraphClient } from '../../../lib/transport/graphApi';
import { findTemplate } from '../actions/templateLookup';

function matches(filter: string | undefined, ...texts: Array<string | undefined>): boolean {
	if (!filter) return true;
	const needle = filter.toLowerCase();
	return texts.some((text) => text?.toLowerCase().includes(needle));
}

export async function searchPhoneNumbers(
	this: ILoadOptionsFunctions,
	filter?: string,
): Promise<INodeListSearchResult> {
	const client = await GraphClient.create(this);
	const numbers = await client.listPhoneNumbers();
	return {
		results: numbers
			.filter((n) => matches(filter, n.display_phone_number, n.verified_name, n.id))
			.map((n) => ({
				name: `${n.display_phone_number} · ${n.verified_name ?? ''} · ${n.status ?? 'UNKNOWN'}${
					n.quality_rating ? ` · quality ${n.quality_rating}` : ''
				}`,
				value: n.id,
				description: `ID ${n.id}`,
			})),
	};
}

export async function searchTemplates(
	this: ILoadOptionsFunctions,
	filter?: string,
): Promise<INodeListSearchResult> {
	const client = await GraphClient.create(this);
	const templates = await client.listTemplates({ status: 'APPROVED' });
	return {
		results: templates
			.filter((t) => t.status.toUpperCase() === 'APPROVED')
			.filter((t) => matches(filter, t.name, t.language, t.category))
			.sort((a, b) => a.name.localeCompare(b.name) || a.language.localeCompare(b.language))
			.map((t) => ({
				name: `${t.name} (${t.language}) · ${t.category}`,
				value: templateRef(t),
			})),
	};
}

export async function getTemplateVariables(
	this: ILoadOptionsFunctions,
): Promise<ResourceMapperFields> {
	const ref = this.getNodeParameter('template', undefined, { extractValue: true }) as string;
	if (!ref) return { fields: [], emptyFieldsNotice: 'Choose a template first.' };
	const client = await GraphClient.create(this);
	const template = await findTemplate(client, ref);
	return {
		fields: planTemplate(template).map((slot) => ({
			id: slot.id,
			displayName: slot.example ? `${slot.label} (e.g. ${slot.example})` : slot.label,
			required: slot.required,
			defaultMatch: false,
			canBeUsedToMatch: false,
			display: true,
			type: 'string',
		})),
		emptyFieldsNotice: `Template "${template.name}" has no variables.`,
	};
}
