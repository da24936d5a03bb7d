import { type IDataObject, type INodeExecutionData, sleep } from 'n8n-workflow';

import {
	CONSENT_BUTTON_IDS,
	type OptInRequestPlan,
	planOptInRequest,
} from '../../../lib/core/consentPolicy';
import { FieldError } from '../../../lib/core/fieldError';
import {
	buildButtonsMessage,
	buildTemplateMessage,
	type Recipient,
} from '../../../lib/core/messages';
import { messagesWithin, sendPaced } from '../../../lib/core/pacing';
import {
	buildTemplateComponents,
	type MessageTemplate,
	planTemplate,
} from '../../../lib/core/templates';
import {
	ConsentRecheck,
	ConsentSkip,
	consentStateJson,
	logAcceptedMessage,
} from '../../../lib/consent';
import { parseContactIdentifier, type ContactIdentifier } from '../../../lib/core/contact';
import type { ConsentState } from '../../../lib/store/types';
import { type GraphClient, sendRetryDecision } from '../../../lib/transport/graphApi';
import { readSenderId } from '../../helpers/sender';
import { sharedLimiters } from '../../helpers/sharedPacing';
import { findTemplate } from '../../helpers/templateLookup';
import { readItemParameter } from '../../helpers/itemParameter';
import {
	DEFAULT_DECLINE_LABEL,
	DEFAULT_OPT_IN_LABEL,
	DEFAULT_OPT_IN_QUESTION,
} from '../descriptions/requestOptIn';
import { errorItem, type GateContext, parseItems, toNodeError } from './shared';

interface OptInItem {
	itemIndex: number;
	contact: ContactIdentifier;
	senderId: string;
	question: string;
	optInLabel: string;
	declineLabel: string;
	templateRef: string;
	variables: IDataObject;
}

interface PlannedQuestion {
	item: OptInItem;
	via: 'buttons' | 'template';
	body: Record<string, unknown>;
	text: string;
	template?: MessageTemplate;
}

/** Opt-in questions go out at Meta's default rate per number, 20 at a time. */
const OPT_IN_PACE = { ratePerSecond: 80, concurrency: 20 };

type Outcome =
	| {
			kind: 'sent';
			question: PlannedQuestion;
			messageId: string;
			sentAt: Date;
			logProblem: string | null;
	  }
	| { kind: 'skipped'; reason: string };

/**
 * Asks each contact for marketing opt-in: reply buttons while the 24-hour window is open (the
 * store's window, kept by the trigger), the chosen template otherwise. The question is written to
 * the outbound log, so the trigger can keep its text and time as proof beside the answer.
 */
export async function requestOptIn(ctx: GateContext): Promise<INodeExecutionData[][]> {
	const { fn, items } = ctx;
	const { store, account } = ctx.accountStore;
	const parsed = parseItems(ctx, (i) => parseRequest(ctx, i));
	const valid = parsed.filter((entry): entry is OptInItem => !(entry instanceof Error));
	const states = await store.getConsentMany(
		account,
		valid.map((entry) => entry.contact),
	);
	const stateOf = new Map(valid.map((entry, k) => [entry.itemIndex, states[k]]));

	const client = ctx.graph;
	const templates = new Map<string, Promise<MessageTemplate>>();
	const outcomes = new Map<number, Outcome | Error>();
	const questions: PlannedQuestion[] = [];
	const now = new Date();
	for (const entry of valid) {
		try {
			const windowOpen = await store.isWindowOpen({
				account,
				phoneNumberId: entry.senderId,
				contact: entry.contact,
				at: now,
			});
			const plan = planOptInRequest(stateOf.get(entry.itemIndex)!.status, windowOpen);
			if (plan.action === 'skip')
				outcomes.set(entry.itemIndex, { kind: 'skipped', reason: plan.reason });
			else questions.push(await planQuestion(client, templates, entry, plan));
		} catch (error) {
			if (!fn.continueOnFail()) throw toNodeError(fn, error as Error, entry.itemIndex);
			outcomes.set(entry.itemIndex, error as Error);
		}
	}

	// Re-checked in groups of the questions about to leave, like the send node's messages. The
	// questions are logged one by one, at once: the trigger reads a question as the proof of its
	// answer, which may come within seconds.
	const recheck = new ConsentRecheck<number>(store, account, {
		groupSize: messagesWithin(0.25, OPT_IN_PACE.ratePerSecond, OPT_IN_PACE.concurrency),
	});
	for (const question of questions) recheck.expect(question.item.itemIndex, question.item.contact);
	// Shares each number's rate with campaigns sending from it at the same time.
	const numberLimiter = sharedLimiters(
		ctx.accountStore,
		OPT_IN_PACE.ratePerSecond,
		questions.length,
	);
	const results = await sendPaced(
		questions,
		(question) => `${question.item.senderId}:${question.item.contact.label}`,
		async (question): Promise<Outcome> => {
			const fresh = await recheck.read(question.item.itemIndex, question.item.contact);
			const plan = planOptInRequest(fresh.status, question.via === 'buttons');
			if (plan.action === 'skip') throw new ConsentSkip(plan.reason, fresh);
			stateOf.set(question.item.itemIndex, fresh);
			const response = await client.sendMessage(question.item.senderId, question.body);
			const messageId = response.messages?.[0]?.id ?? '';
			const sentAt = new Date();
			const logProblem = await logAcceptedMessage(store, {
				wamid: messageId,
				account,
				phoneNumberId: question.item.senderId,
				recipient: question.item.contact.label,
				kind: question.via === 'buttons' ? 'interactive' : 'template',
				templateName: question.template?.name,
				templateLanguage: question.template?.language,
				category: question.template?.category,
				text: question.text,
				sentAt,
			});
			return { kind: 'sent', question, messageId, sentAt, logProblem };
		},
		sendRetryDecision,
		{
			...OPT_IN_PACE,
			sleep,
			retry: { maxRetries: 1, baseDelayMs: 60_000 },
			limiterFor: numberLimiter && ((question) => numberLimiter(question.item.senderId)),
		},
	);
	results.forEach((result, k) => {
		const { itemIndex } = questions[k].item;
		if (result.ok) outcomes.set(itemIndex, result.value);
		else if (result.error instanceof ConsentSkip) {
			stateOf.set(itemIndex, result.error.state);
			outcomes.set(itemIndex, { kind: 'skipped', reason: result.error.reason });
		} else outcomes.set(itemIndex, result.error as Error);
	});

	const firstFailure = [...outcomes.entries()].find(([, outcome]) => outcome instanceof Error);
	if (firstFailure && !fn.continueOnFail()) {
		throw toNodeError(fn, firstFailure[1] as Error, firstFailure[0]);
	}
	return [
		parsed.map((entry, i) => {
			const outcome = entry instanceof Error ? entry : outcomes.get(i)!;
			if (outcome instanceof Error) return errorItem(fn, outcome, i);
			return {
				json: {
					...items[i].json,
					...outputOf(outcome),
					consent: consentStateJson(stateOf.get(i) as ConsentState),
				},
				pairedItem: { item: i },
			};
		}),
	];
}

function outputOf(outcome: Outcome): IDataObject {
	if (outcome.kind === 'skipped') {
		return {
			skipped: true,
			reason: outcome.reason,
			optInRequest: { sent: false, reason: outcome.reason },
		};
	}
	const { question } = outcome;
	return {
		messageId: outcome.messageId,
		optInRequest: {
			sent: true,
			via: question.via,
			messageId: outcome.messageId,
			sender: question.item.senderId,
			sentAt: outcome.sentAt.toISOString(),
			text: question.text,
			template: question.template
				? { name: question.template.name, language: question.template.language }
				: null,
			buttonIds: { ...CONSENT_BUTTON_IDS },
			...(outcome.logProblem ? { logProblem: outcome.logProblem } : {}),
		},
	};
}

function parseRequest(ctx: GateContext, i: number): OptInItem {
	const { fn } = ctx;
	const contact = parseContactIdentifier(readItemParameter(fn, 'contact', i, ''));
	const senderId = readSenderId(readItemParameter(fn, 'sender', i, '', { extractValue: true }));
	return {
		itemIndex: i,
		contact,
		senderId,
		question: String(readItemParameter(fn, 'questionText', i, DEFAULT_OPT_IN_QUESTION)),
		optInLabel: String(readItemParameter(fn, 'optInLabel', i, DEFAULT_OPT_IN_LABEL)),
		declineLabel: String(readItemParameter(fn, 'declineLabel', i, DEFAULT_DECLINE_LABEL)),
		templateRef: String(
			readItemParameter(fn, 'template', i, '', { extractValue: true }) ?? '',
		).trim(),
		variables: (readItemParameter(fn, 'variables.value', i, {}) ?? {}) as IDataObject,
	};
}

function recipientOf(contact: ContactIdentifier): Recipient {
	return contact.waId ? { to: contact.waId } : { recipient: contact.userId! };
}

async function planQuestion(
	client: GraphClient,
	templates: Map<string, Promise<MessageTemplate>>,
	item: OptInItem,
	plan: Exclude<OptInRequestPlan, { action: 'skip' }>,
): Promise<PlannedQuestion> {
	const common = { recipient: recipientOf(item.contact) };
	if (plan.action === 'buttons') {
		const buttons = [
			{ id: CONSENT_BUTTON_IDS.optIn, title: item.optInLabel },
			{ id: CONSENT_BUTTON_IDS.decline, title: item.declineLabel },
		];
		return {
			item,
			via: 'buttons',
			body: buildButtonsMessage(common, { body: item.question, buttons }),
			text: [item.question, ...buttons.map((button) => `[${button.title}]`)].join('\n'),
		};
	}
	if (item.templateRef === '') {
		throw new FieldError(
			'Template Outside the Window',
			'',
			'is empty, and the contact has not written in the last 24 hours',
			'Pick an approved opt-in template (first quick-reply button = yes, second = no), or ask while the customer is writing to you.',
		);
	}
	let template = templates.get(item.templateRef);
	if (!template) {
		template = findTemplate(client, item.templateRef);
		templates.set(item.templateRef, template);
	}
	const definition = await template;
	const values = withAnswerPayloads(definition, item.variables);
	const sendPlan = buildTemplateComponents(definition, values);
	if (sendPlan.problems.length > 0) {
		const first = sendPlan.problems[0];
		throw new FieldError(
			`Template Variable "${first.slotId}" of "${definition.name}" (${definition.language})`,
			values[first.slotId] ?? '',
			first.message,
			sendPlan.problems.length > 1
				? `Fix all ${sendPlan.problems.length} variables: ${sendPlan.problems.map((p) => `${p.slotId}: ${p.message}`).join('; ')}.`
				: 'Map a valid value for this variable.',
		);
	}
	return {
		item,
		via: 'template',
		template: definition,
		text: sendPlan.rendered,
		body: buildTemplateMessage(common, {
			name: definition.name,
			language: definition.language,
			components: sendPlan.components,
		}),
	};
}

/**
 * The template's first quick-reply button answers yes and the second no, unless the user mapped
 * payloads of their own; without a quick-reply button the customer could not answer at all.
 */
function withAnswerPayloads(template: MessageTemplate, mapped: IDataObject): IDataObject {
	const quickReplies = planTemplate(template).filter((slot) => slot.kind === 'quickReplyPayload');
	if (quickReplies.length === 0) {
		throw new FieldError(
			'Template Outside the Window',
			`${template.name}|${template.language}`,
			'has no quick-reply button the customer could answer with',
			'Use a template with quick-reply buttons: the first means yes (opt in), the second no.',
		);
	}
	const payloads = [CONSENT_BUTTON_IDS.optIn, CONSENT_BUTTON_IDS.decline];
	const values: IDataObject = { ...mapped };
	quickReplies.slice(0, payloads.length).forEach((slot, index) => {
		if (values[slot.id] === undefined || values[slot.id] === '') values[slot.id] = payloads[index];
	});
	return values;
}
