import type { EmulatorCore } from '../core';
import { wamid } from '../ids';
import { isNonEmptyString, isRecord, type JsonRecord } from '../json';
import { bsuidPattern, canSend, phoneDigits } from '../phone';
import type { ContactState, OutboundMessage, PhoneNumberState, PricingCategory } from '../state';
import { graphErrors, type GraphError } from './errors';
import { checkContent, type CheckedContent } from './message-content';
import { ok, type GraphRequest, type GraphResponse } from './request';
import { checkTemplateSend, templateRefusal } from './templates';

interface Recipient {
	contact: ContactState;
	input: string;
	addressedByUserId: boolean;
}

function resolveRecipient(core: EmulatorCore, body: JsonRecord): Recipient {
	if (body.to !== undefined) {
		const to = body.to;
		const digits = typeof to === 'string' ? phoneDigits(to) : undefined;
		if (!digits) {
			throw graphErrors.invalidParameter(
				`Param to must be a phone number in international format, e.g. "+4915112345678" (got ${JSON.stringify(to)}).`,
			);
		}
		return {
			contact: core.state.contactByWaId(digits),
			input: String(to),
			addressedByUserId: false,
		};
	}
	if (body.recipient !== undefined) {
		const recipient = body.recipient;
		if (typeof recipient !== 'string' || !bsuidPattern.test(recipient)) {
			throw graphErrors.invalidParameter(
				`Param recipient must be a business-scoped user id such as "US.13491208655302741918" (got ${JSON.stringify(recipient)}).`,
			);
		}
		const contact = core.state.contactByUserId(recipient);
		if (!contact) {
			throw graphErrors.invalidParameter(
				`Param recipient ${recipient} is not a WhatsApp user of this business; it must come from a webhook.`,
			);
		}
		return { contact, input: recipient, addressedByUserId: true };
	}
	throw graphErrors.requiredParameter('to');
}

interface Content extends CheckedContent {
	pricingCategory: PricingCategory;
	template?: OutboundMessage['template'];
}

function checkTemplate(core: EmulatorCore, body: JsonRecord): Content {
	const template = body.template;
	if (!isRecord(template)) throw graphErrors.requiredParameter('template');
	if (!isNonEmptyString(template.name)) throw graphErrors.requiredParameter("template['name']");
	const language = template.language;
	if (!isRecord(language) || !isNonEmptyString(language.code)) {
		throw graphErrors.requiredParameter("template['language']['code']");
	}
	if (language.policy !== undefined && language.policy !== 'deterministic') {
		throw graphErrors.invalidParameter(
			"Param template['language']['policy'] must be deterministic.",
		);
	}
	const candidates = core.state.findTemplates(template.name);
	const refusal = templateRefusal(candidates, template.name, language.code);
	if (refusal) throw refusal;
	const match = candidates.find((candidate) => candidate.language === language.code);
	if (!match) throw graphErrors.templateNotFound(template.name, language.code, '');
	const checked = checkTemplateSend(match, template.components);
	return {
		...checked,
		mediaIds: [],
		pricingCategory: match.category.toLowerCase() as PricingCategory,
		template: { name: match.name, language: match.language, category: match.category },
	};
}

function checkOptionalFields(body: JsonRecord): void {
	if (body.recipient_type !== undefined && body.recipient_type !== 'individual') {
		throw graphErrors.invalidParameter(
			`Param recipient_type must be individual (got ${JSON.stringify(body.recipient_type)}); the emulator has no groups.`,
		);
	}
	if (
		body.context !== undefined &&
		(!isRecord(body.context) || !isNonEmptyString(body.context.message_id))
	) {
		throw graphErrors.requiredParameter("context['message_id']");
	}
	const opaque = body.biz_opaque_callback_data;
	if (opaque !== undefined && (typeof opaque !== 'string' || opaque.length > 512)) {
		throw graphErrors.invalidParameter(
			'Param biz_opaque_callback_data must be a string of at most 512 characters.',
		);
	}
}

/** Why an accepted message will fail later (a `failed` status webhook), checked in Meta's order. */
function laterFailure(
	core: EmulatorCore,
	phone: PhoneNumberState,
	recipient: Recipient,
	content: Content,
): GraphError | undefined {
	const { state, clock } = core;
	if (!state.isOnWhatsApp(recipient.contact)) return graphErrors.undeliverable();
	if (!content.template && !state.isWindowOpen(phone.id, recipient.contact, clock.now())) {
		return graphErrors.outsideWindow();
	}
	if (content.pricingCategory === 'marketing' && recipient.contact.marketingStopped) {
		return graphErrors.marketingStopped();
	}
	const missingMedia = content.mediaIds.find((id) => !state.media.has(id));
	return missingMedia === undefined ? undefined : graphErrors.mediaNotFound(missingMedia);
}

const policyCodes = new Set([131047, 131050]);

/** The request as the message log keeps it: a token passed as a parameter is not kept. */
function withoutAccessToken(body: JsonRecord): JsonRecord {
	return Object.fromEntries(Object.entries(body).filter(([key]) => key !== 'access_token'));
}

function markRead(core: EmulatorCore, phone: PhoneNumberState, body: JsonRecord): GraphResponse {
	if (body.status !== 'read') throw graphErrors.invalidParameter('Param status must be read.');
	const messageId = body.message_id;
	if (!isNonEmptyString(messageId)) throw graphErrors.requiredParameter('message_id');
	const inbound = core.state.inbound.get(messageId);
	if (!inbound || inbound.phoneNumberId !== phone.id) {
		throw graphErrors.invalidParameter(
			`Param message_id ${messageId} is not a message that phone number ${phone.id} received.`,
		);
	}
	const typing = body.typing_indicator;
	if (typing !== undefined && (!isRecord(typing) || typing.type !== 'text')) {
		throw graphErrors.invalidParameter('Param typing_indicator must be {"type":"text"}.');
	}
	inbound.readByBusiness = true;
	if (typing !== undefined) inbound.typingIndicatorShown = true;
	return ok({ success: true });
}

/** POST /{version}/{phone-number-id}/messages */
export function sendMessage(
	core: EmulatorCore,
	request: GraphRequest,
	phone: PhoneNumberState,
): GraphResponse {
	const body = request.params;
	if (body.messaging_product === undefined)
		throw graphErrors.requiredParameter('messaging_product');
	if (body.messaging_product !== 'whatsapp') {
		throw graphErrors.invalidParameter(
			`Param messaging_product must be whatsapp (got ${JSON.stringify(body.messaging_product)}).`,
		);
	}
	if (!canSend(phone)) throw graphErrors.senderNotRegistered(phone.status);
	if (body.status !== undefined) return markRead(core, phone, body);

	const recipient = resolveRecipient(core, body);
	// Meta's default when `type` is omitted.
	const type = body.type ?? 'text';
	if (typeof type !== 'string') throw graphErrors.invalidParameter('Param type must be a string.');
	checkOptionalFields(body);
	const content: Content =
		type === 'template'
			? checkTemplate(core, body)
			: { ...checkContent(type, body), pricingCategory: 'service' };

	const failure = laterFailure(core, phone, recipient, content);
	if (failure && core.state.settings.policyErrors === 'response' && policyCodes.has(failure.code))
		throw failure;
	core.limits.take(phone.id, recipient.contact.userId);

	const message: OutboundMessage = {
		id: wamid(),
		phoneNumberId: phone.id,
		contact: recipient.contact,
		input: recipient.input,
		addressedByUserId: recipient.addressedByUserId,
		type,
		request: withoutAccessToken(body),
		pricingCategory: content.pricingCategory,
		...(content.template ? { template: content.template } : {}),
		renderedText: content.renderedText,
		replyOptions: content.replyOptions,
		...(typeof body.biz_opaque_callback_data === 'string'
			? { bizOpaqueCallbackData: body.biz_opaque_callback_data }
			: {}),
		graphVersion: request.version,
		createdAt: core.clock.now(),
		status: 'accepted',
		statuses: [],
		scheduled: [],
	};
	core.state.addOutbound(message);
	core.lifecycle.start(message, failure);

	const contact = recipient.contact;
	return ok({
		messaging_product: 'whatsapp',
		contacts: [
			{
				input: recipient.input,
				...(contact.waId ? { wa_id: contact.waId } : {}),
				...(recipient.addressedByUserId ? { user_id: contact.userId } : {}),
			},
		],
		messages: [{ id: message.id, message_status: 'accepted' }],
	});
}
