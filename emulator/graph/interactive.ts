import { isNonEmptyString, isRecord, type JsonRecord } from '../json';
import type { ReplyOption } from '../state';
import { graphErrors } from './errors';
import { checkHttpUrl, checkMediaObject, mediaTypes, type MediaType } from './media-objects';

export interface CheckedInteractive {
	renderedText: string;
	replyOptions: ReplyOption[];
	mediaId?: string;
}

function limitedText(
	value: unknown,
	path: string,
	max: number,
	required = true,
): string | undefined {
	if (value === undefined && !required) return undefined;
	if (!isNonEmptyString(value)) throw graphErrors.requiredParameter(path);
	if (value.length > max) {
		throw graphErrors.invalidParameter(
			`Param ${path} must be at most ${max} characters long (got ${value.length}).`,
		);
	}
	return value;
}

function textBlock(
	interactive: JsonRecord,
	key: 'body' | 'footer',
	max: number,
	required: boolean,
): string | undefined {
	const block = interactive[key];
	if (block === undefined && !required) return undefined;
	if (!isRecord(block)) throw graphErrors.requiredParameter(`interactive['${key}']`);
	return limitedText(block.text, `interactive['${key}']['text']`, max);
}

function header(interactive: JsonRecord, allowMedia: boolean): { text?: string; mediaId?: string } {
	const value = interactive.header;
	if (value === undefined) return {};
	if (!isRecord(value) || typeof value.type !== 'string')
		throw graphErrors.requiredParameter("interactive['header']['type']");
	if (value.type === 'text')
		return { text: limitedText(value.text, "interactive['header']['text']", 60) };
	if (
		allowMedia &&
		(mediaTypes as readonly string[]).includes(value.type) &&
		value.type !== 'audio' &&
		value.type !== 'sticker'
	) {
		const media = checkMediaObject(
			value.type as MediaType,
			value[value.type],
			`interactive['header']['${value.type}']`,
		);
		return { text: media.summary, ...(media.mediaId ? { mediaId: media.mediaId } : {}) };
	}
	throw graphErrors.invalidParameter(
		`Param interactive['header']['type'] must be ${allowMedia ? 'text, image, video or document' : 'text'} for this message (got ${value.type}).`,
	);
}

function unique(values: string[], what: string): void {
	const duplicate = values.find((value, index) => values.indexOf(value) !== index);
	if (duplicate !== undefined)
		throw graphErrors.invalidParameter(`${what} must be unique; "${duplicate}" appears twice.`);
}

function replyButtons(action: JsonRecord): ReplyOption[] {
	const buttons = action.buttons;
	if (!Array.isArray(buttons) || buttons.length === 0)
		throw graphErrors.requiredParameter("interactive['action']['buttons']");
	if (buttons.length > 3) {
		throw graphErrors.invalidParameter(
			`Param interactive['action']['buttons'] can have at most 3 buttons (got ${buttons.length}).`,
		);
	}
	const options = buttons.map((button: unknown, index): ReplyOption => {
		const path = `interactive['action']['buttons'][${index}]`;
		if (!isRecord(button) || button.type !== 'reply' || !isRecord(button.reply)) {
			throw graphErrors.invalidParameter(
				`Param ${path} must be {"type":"reply","reply":{"id","title"}}.`,
			);
		}
		return {
			kind: 'button_reply',
			id: limitedText(button.reply.id, `${path}['reply']['id']`, 256) as string,
			title: limitedText(button.reply.title, `${path}['reply']['title']`, 20) as string,
		};
	});
	unique(
		options.map((option) => option.id),
		'Button ids',
	);
	unique(
		options.map((option) => option.title),
		'Button titles',
	);
	return options;
}

function listRows(action: JsonRecord): ReplyOption[] {
	limitedText(action.button, "interactive['action']['button']", 20);
	const sections = action.sections;
	if (!Array.isArray(sections) || sections.length === 0)
		throw graphErrors.requiredParameter("interactive['action']['sections']");
	if (sections.length > 10)
		throw graphErrors.invalidParameter('A list can have at most 10 sections.');
	const rows = sections.flatMap((section: unknown, sectionIndex) => {
		const path = `interactive['action']['sections'][${sectionIndex}]`;
		if (!isRecord(section) || !Array.isArray(section.rows) || section.rows.length === 0) {
			throw graphErrors.requiredParameter(`${path}['rows']`);
		}
		limitedText(section.title, `${path}['title']`, 24, sections.length > 1);
		return section.rows.map((row: unknown, rowIndex): ReplyOption => {
			const rowPath = `${path}['rows'][${rowIndex}]`;
			if (!isRecord(row)) throw graphErrors.requiredParameter(rowPath);
			const description = limitedText(row.description, `${rowPath}['description']`, 72, false);
			return {
				kind: 'list_reply',
				id: limitedText(row.id, `${rowPath}['id']`, 200) as string,
				title: limitedText(row.title, `${rowPath}['title']`, 24) as string,
				...(description === undefined ? {} : { description }),
			};
		});
	});
	if (rows.length > 10)
		throw graphErrors.invalidParameter(
			`A list can have at most 10 rows in total (got ${rows.length}).`,
		);
	unique(
		rows.map((row) => row.id),
		'Row ids',
	);
	return rows;
}

const needsState: Record<string, string> = {
	flow: 'the flow does not exist: the emulator has no WhatsApp Flows',
	product:
		'no catalog is connected to this WhatsApp Business Account (the emulator has no catalogs)',
	product_list:
		'no catalog is connected to this WhatsApp Business Account (the emulator has no catalogs)',
	catalog_message:
		'no catalog is connected to this WhatsApp Business Account (the emulator has no catalogs)',
	order_details: 'no payment configuration exists for this account (the emulator has no payments)',
	order_status: 'no order exists for this reference id (the emulator has no payments)',
};

export function checkInteractive(value: unknown): CheckedInteractive {
	if (!isRecord(value)) throw graphErrors.requiredParameter('interactive');
	const type = value.type;
	if (typeof type !== 'string') throw graphErrors.requiredParameter("interactive['type']");
	if (needsState[type])
		throw graphErrors.parameterValueNotValid(`interactive ${type}: ${needsState[type]}.`);
	const action = value.action;
	if (!isRecord(action)) throw graphErrors.requiredParameter("interactive['action']");

	let replyOptions: ReplyOption[] = [];
	let actionLine: string;
	let head: { text?: string; mediaId?: string } = {};
	let bodyMax = 1024;
	switch (type) {
		case 'button':
			head = header(value, true);
			replyOptions = replyButtons(action);
			actionLine = replyOptions.map((option) => `[${option.title}]`).join(' ');
			break;
		case 'list':
			head = header(value, false);
			bodyMax = 4096;
			replyOptions = listRows(action);
			actionLine = `[${String(action.button)}: ${replyOptions.map((row) => row.title).join(' | ')}]`;
			break;
		case 'cta_url': {
			head = header(value, true);
			const parameters = isRecord(action.parameters) ? action.parameters : {};
			const label = limitedText(
				parameters.display_text,
				"interactive['action']['parameters']['display_text']",
				20,
			);
			const url = checkHttpUrl(parameters.url, "Param interactive['action']['parameters']['url']");
			actionLine = `[${label} → ${url}]`;
			break;
		}
		case 'location_request_message':
			if (action.name !== 'send_location') {
				throw graphErrors.invalidParameter(
					"Param interactive['action']['name'] must be send_location.",
				);
			}
			actionLine = '[Send location]';
			break;
		default:
			throw graphErrors.invalidParameter(
				`Param interactive['type'] must be one of button, list, cta_url, location_request_message, flow, product, product_list, catalog_message, order_details, order_status (got ${type}).`,
			);
	}
	const body = textBlock(value, 'body', bodyMax, true);
	const footer = textBlock(value, 'footer', 60, false);
	return {
		renderedText: [head.text, body, footer, actionLine]
			.filter((line) => line !== undefined)
			.join('\n'),
		replyOptions,
		...(head.mediaId ? { mediaId: head.mediaId } : {}),
	};
}
