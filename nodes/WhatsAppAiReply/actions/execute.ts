import {
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	NodeConnectionTypes,
	NodeOperationError,
} from 'n8n-workflow';

import {
	buildDelayMessages,
	buildFollowUpDecisionMessages,
	buildFollowUpMessages,
	buildOptOutMessages,
	buildReplyMessages,
	buildStopCheckMessages,
	clampDelay,
	cleanVariables,
	type ContextVariable,
	type CustomConfirmationTexts,
	DEFAULT_OPT_OUT_THRESHOLD,
	type DelayBounds,
	judgeOptOut,
	type ModelMessage,
	parseDelaySuggestion,
	parseFollowUpDecision,
	parseOptOutClassification,
	parseStopDecision,
	type PromptContext,
	readModelName,
	readModelText,
	readTokenUsage,
	splitIntoMessages,
	validateConfirmationTexts,
	validateDelayBounds,
	validateThreshold,
	WHATSAPP_TEXT_LIMIT,
} from '../../../lib/core/ai';
import { type ContactIds, parseContactIdentifier } from '../../../lib/core/contact';
import { parseEventTime } from '../../../lib/core/eventTime';
import { FieldError } from '../../../lib/core/fieldError';
import type { Store } from '../../../lib/store';
import { readItemParameter } from '../../helpers/itemParameter';
import type { AccountStore } from '../../helpers/storeAccess';
import type { AiOperation } from '../descriptions/properties';
import {
	type Conversation,
	isChatMemory,
	MemoryConversation,
	StoredConversation,
	storeFromCredential,
} from './conversation';
import { errorJson, FixableError, toNodeError } from './errors';
import { askModel, type ChatModel, connectedChatModel } from './model';
import { consentStoreFromCredential, optOutEvidence, recordOptOut } from './optOut';

const HOUR_MS = 60 * 60 * 1000;
const MEMORY_SESSION_FIX =
	"In the Memory sub-node, set Session ID to 'Define below' and Key to the same expression as this node's Customer Identifier, e.g. {{ $json.contact.waId }}, so every customer has a conversation of their own.";

/** What one execution shares between its items: the model and, when needed, the stores. */
interface Shared {
	model: Promise<ChatModel>;
	store?: Promise<Store>;
	/** The consent store and account, for Detect Opt-Out's Record Opt-Out. */
	consent?: Promise<AccountStore>;
}

/** One item's parameters, all checked before the model or the store is touched. */
interface ItemInput {
	customer: string;
	assistant: string;
	instructions: string;
	variables: ContextVariable[];
	historyLength: number;
	retentionDays: number;
	maxPartLength: number;
	addToConversation: boolean;
	task: Task;
}

type Task =
	| { operation: 'generateReply'; message: string }
	| { operation: 'writeFollowUp'; purpose: string }
	| { operation: 'checkStopCondition'; condition: string }
	| { operation: 'decideFollowUp'; when: string; stopCondition: string }
	| { operation: 'suggestFollowUpDelay'; bounds: DelayBounds; guidance: string }
	| {
			operation: 'detectOptOut';
			message: string;
			messageId: string | null;
			messageTime: number | null;
			threshold: number;
			texts: CustomConfirmationTexts;
			/** Where a final opt-out is recorded; null when Record Opt-Out is off. */
			recordFor: ContactIds | null;
	  };

export async function executeAiReply(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const shared: Shared = { model: connectedChatModel(this) };
	// Every item reports its own error, so an unused rejection must not crash the process.
	shared.model.catch(() => undefined);
	const output: INodeExecutionData[] = [];
	// One item after the other: two messages of one customer in a batch must see each other.
	for (let i = 0; i < items.length; i++) {
		try {
			output.push({ json: await runItem.call(this, shared, i), pairedItem: { item: i } });
		} catch (error) {
			const nodeError = toNodeError.call(this, error as Error, i);
			if (!this.continueOnFail()) throw nodeError;
			output.push({
				json: { error: errorJson(nodeError, error as Error) },
				pairedItem: { item: i },
			});
		}
	}
	return [output];
}

async function runItem(this: IExecuteFunctions, shared: Shared, i: number): Promise<IDataObject> {
	const input = readInput.call(this, i);
	const model = await shared.model;
	// Opened before the model is asked: a credential that cannot record costs no tokens.
	const consentStore =
		input.task.operation === 'detectOptOut' && input.task.recordFor !== null
			? await openConsentStore.call(this, shared)
			: null;
	const now = new Date();
	const conversation = await openConversation.call(this, shared, i, input, now);
	const history = await conversation.load(input.historyLength);
	const context: PromptContext = {
		instructions: input.instructions,
		variables: input.variables,
		history: history.messages,
		now,
		timeZone: this.getTimezone(),
	};
	const result = await askModel(this, model, promptFor(input.task, context), i);
	const answer = readModelText(result);
	const about: IDataObject = {
		customerId: input.customer,
		assistant: input.assistant,
		historyMessages: history.messages.length,
		...modelFacts(result),
	};
	const task = input.task;

	switch (task.operation) {
		case 'generateReply': {
			const reply = requireAnswer(answer);
			// Real times only: the store orders equal times by insertion, so the pair never swaps.
			const conversationId = await conversation.saveExchange(
				{ role: 'user', content: task.message, at: now },
				{ role: 'assistant', content: reply, at: new Date() },
			);
			return {
				reply,
				parts: splitIntoMessages(reply, input.maxPartLength),
				conversationId,
				isNewConversation: history.isEmpty,
				...about,
			};
		}
		case 'writeFollowUp': {
			const followUp = requireAnswer(answer);
			const conversationId = input.addToConversation
				? await conversation.saveAssistantMessage({
						role: 'assistant',
						content: followUp,
						at: new Date(),
					})
				: history.conversationId;
			return {
				followUp,
				parts: splitIntoMessages(followUp, input.maxPartLength),
				conversationId,
				...about,
			};
		}
		case 'checkStopCondition': {
			const decision = parseStopDecision(answer);
			return {
				stop: decision.stop,
				reason: decision.reason,
				conversationId: history.conversationId,
				modelAnswer: answer,
				...about,
			};
		}
		case 'decideFollowUp': {
			const decision = parseFollowUpDecision(answer, task.stopCondition !== '');
			return {
				shouldFollowUp: decision.followUp,
				stop: decision.stop,
				reason: decision.reason,
				conversationId: history.conversationId,
				modelAnswer: answer,
				...about,
			};
		}
		case 'detectOptOut': {
			const classification = parseOptOutClassification(answer);
			const verdict = judgeOptOut(classification, task.threshold, task.texts);
			const facts = {
				text: task.message,
				messageId: task.messageId,
				messageTime: task.messageTime,
				classification,
				threshold: task.threshold,
				model: readModelName(result) ?? null,
				decidedAt: new Date(),
			};
			const evidence = optOutEvidence(facts);
			const recorded =
				consentStore && task.recordFor && verdict.final && classification.decision === 'opt_out'
					? await recordOptOut(consentStore, task.recordFor, facts, evidence)
					: null;
			return {
				optOut: {
					decision: classification.decision,
					confidence: classification.confidence,
					final: verdict.final,
					askToConfirm: verdict.askToConfirm,
					reason: classification.reason,
					threshold: task.threshold,
					language: classification.language,
					confirmation: verdict.confirmation as IDataObject | null,
					evidence: evidence as IDataObject,
					recorded,
				},
				conversationId: history.conversationId,
				modelAnswer: answer,
				...about,
			};
		}
		case 'suggestFollowUpDelay': {
			const suggestion = parseDelaySuggestion(answer);
			const delay = clampDelay(suggestion.hours, task.bounds);
			return {
				delayHours: delay.hours,
				delayMinutes: Math.round(delay.hours * 60),
				followUpAt: new Date(now.getTime() + delay.hours * HOUR_MS).toISOString(),
				suggestedDelayHours: suggestion.hours,
				clamped: delay.clamped,
				reason: suggestion.reason,
				conversationId: history.conversationId,
				modelAnswer: answer,
				...about,
			};
		}
	}
}

function promptFor(task: Task, context: PromptContext): ModelMessage[] {
	switch (task.operation) {
		case 'generateReply':
			return buildReplyMessages(context, task.message);
		case 'writeFollowUp':
			return buildFollowUpMessages(context, task.purpose);
		case 'checkStopCondition':
			return buildStopCheckMessages(context, task.condition);
		case 'decideFollowUp':
			return buildFollowUpDecisionMessages(context, task.when, task.stopCondition);
		case 'suggestFollowUpDelay':
			return buildDelayMessages(context, task.bounds, task.guidance);
		case 'detectOptOut':
			return buildOptOutMessages(context, task.message);
	}
}

function readInput(this: IExecuteFunctions, i: number): ItemInput {
	const options = readItemParameter(this, 'options', i, {}) as IDataObject;
	const variableRows = readItemParameter(this, 'contextVariables.variable', i, []) as IDataObject[];
	const customer = requiredText(
		'Customer Identifier',
		readItemParameter(this, 'customerId', i),
		'Map who the conversation is with, e.g. {{ $json.contact.waId }} from the WhatsApp trigger, an e-mail address or a CRM ID.',
	);
	return {
		customer,
		assistant:
			String(readItemParameter(this, 'assistantName', i, '') ?? '').trim() || this.getNode().name,
		instructions: String(readItemParameter(this, 'instructions', i, '') ?? ''),
		variables: cleanVariables(variableRows ?? []),
		historyLength: wholeNumber(
			'History Length',
			readItemParameter(this, 'historyLength', i, 20),
			0,
			1000,
		),
		retentionDays: daysOrZero(options.retentionDays ?? 30),
		maxPartLength: wholeNumber(
			'Max Characters per Part',
			options.maxPartLength ?? WHATSAPP_TEXT_LIMIT,
			1,
			WHATSAPP_TEXT_LIMIT,
		),
		addToConversation: options.addToConversation !== false,
		task: readTask.call(this, i, customer, options),
	};
}

function readTask(
	this: IExecuteFunctions,
	i: number,
	customer: string,
	options: IDataObject,
): Task {
	const operation = readItemParameter(this, 'operation', i) as AiOperation;
	switch (operation) {
		case 'generateReply':
			return {
				operation,
				message: requiredText(
					'Message',
					readItemParameter(this, 'message', i),
					"Map the customer's text, e.g. {{ $json.message.text }}. Messages without text (a sticker, a location without a name) have nothing to answer: filter them out with an If node before this one.",
				),
			};
		case 'writeFollowUp':
			return {
				operation,
				purpose: requiredText(
					'Follow-Up Purpose',
					readItemParameter(this, 'followUpPurpose', i),
					'Describe what the follow-up should achieve, e.g. "Remind the customer of our offer and ask if they have questions".',
				),
			};
		case 'checkStopCondition':
			return {
				operation,
				condition: requiredText(
					'Stop Condition',
					readItemParameter(this, 'stopCondition', i),
					'Describe when follow-ups must stop, e.g. "the customer booked or said they are not interested".',
				),
			};
		case 'decideFollowUp':
			return {
				operation,
				when: requiredText(
					'When to Follow Up',
					readItemParameter(this, 'followUpWhen', i),
					'Describe when a follow-up should start, e.g. "the customer asked about prices but did not book".',
				),
				stopCondition: String(readItemParameter(this, 'followUpStopWhen', i, '') ?? '').trim(),
			};
		case 'detectOptOut':
			return readOptOutTask.call(this, i, customer, options);
		case 'suggestFollowUpDelay':
			return {
				operation,
				bounds: validateDelayBounds({
					minHours: Number(readItemParameter(this, 'minDelayHours', i)),
					maxHours: Number(readItemParameter(this, 'maxDelayHours', i)),
				}),
				guidance: String(readItemParameter(this, 'delayGuidance', i, '') ?? ''),
			};
	}
	throw new NodeOperationError(this.getNode(), `Unknown operation "${operation as string}"`, {
		itemIndex: i,
	});
}

function readOptOutTask(
	this: IExecuteFunctions,
	i: number,
	customer: string,
	options: IDataObject,
): Task {
	const messageId = readItemParameter(this, 'optOutMessageId', i, '');
	const messageTime = readItemParameter(this, 'optOutMessageTime', i, '');
	const hasTime = !(messageTime === undefined || messageTime === null || messageTime === '');
	return {
		operation: 'detectOptOut',
		message: requiredText(
			'Customer Message',
			readItemParameter(this, 'optOutMessage', i),
			"Map the customer's text, e.g. {{ $json.message?.text }}. Messages without text (a sticker, a location without a name) say nothing to classify: filter them out with an If node before this one.",
		),
		messageId: typeof messageId === 'string' && messageId.trim() !== '' ? messageId.trim() : null,
		messageTime: hasTime
			? parseEventTime(messageTime, 'Message Time', { required: true, now: Date.now() })
			: null,
		threshold: validateThreshold(options.confidenceThreshold ?? DEFAULT_OPT_OUT_THRESHOLD),
		texts: validateConfirmationTexts({
			question: String(options.confirmationQuestion ?? ''),
			keepLabel: String(options.keepButtonLabel ?? ''),
			stopLabel: String(options.stopButtonLabel ?? ''),
		}),
		recordFor: options.recordOptOut === true ? whatsAppContact(customer) : null,
	};
}

/** Consent is kept per WhatsApp contact: the identifier must be a number or user id, not an e-mail. */
function whatsAppContact(customer: string): ContactIds {
	const { waId, userId } = parseContactIdentifier(customer, 'Customer Identifier');
	return { waId: waId ?? null, userId: userId ?? null };
}

async function openConsentStore(this: IExecuteFunctions, shared: Shared): Promise<AccountStore> {
	if (!shared.consent) {
		shared.consent = consentStoreFromCredential(this);
		shared.consent.catch(() => undefined);
	}
	return await shared.consent;
}

async function openConversation(
	this: IExecuteFunctions,
	shared: Shared,
	i: number,
	input: ItemInput,
	now: Date,
): Promise<Conversation> {
	let memory: unknown;
	try {
		memory = await this.getInputConnectionData(NodeConnectionTypes.AiMemory, i);
	} catch (error) {
		const cause = error as { message?: string; description?: string | null };
		throw new NodeOperationError(this.getNode(), cause.message ?? String(error), {
			description: `${cause.description ? `${cause.description}\n` : ''}${MEMORY_SESSION_FIX}`,
			itemIndex: i,
		});
	}
	if (memory !== undefined && memory !== null) {
		if (!isChatMemory(memory)) {
			throw new FixableError(
				'The sub-node connected as Memory is not a chat memory',
				'Connect a memory sub-node (Simple Memory, Postgres Chat Memory, Redis Chat Memory…) or none.',
			);
		}
		return new MemoryConversation(memory, input.customer);
	}
	if (!shared.store) {
		shared.store = storeFromCredential(this);
		shared.store.catch(() => undefined);
	}
	return new StoredConversation(
		await shared.store,
		input.assistant,
		input.customer,
		input.retentionDays,
		now,
	);
}

function requiredText(field: string, value: unknown, fix: string): string {
	const text = typeof value === 'number' ? String(value) : value;
	if (typeof text !== 'string' || text.trim() === '') {
		throw new FieldError(field, value ?? null, 'is empty', fix);
	}
	return text.trim();
}

function wholeNumber(field: string, value: unknown, min: number, max: number): number {
	const number = Number(value);
	if (!Number.isInteger(number) || number < min || number > max) {
		throw new FieldError(
			field,
			value ?? null,
			`is not a whole number from ${min} to ${max}`,
			`Enter a whole number from ${min} to ${max}.`,
		);
	}
	return number;
}

function daysOrZero(value: unknown): number {
	const days = Number(value);
	if (!Number.isFinite(days) || days < 0) {
		throw new FieldError(
			'History Retention (Days)',
			value ?? null,
			'is not a number of days of 0 or more',
			'Enter how many days a conversation is remembered, e.g. 30, or 0 to keep it forever.',
		);
	}
	return days;
}

/** A reply or follow-up must have text: an empty one would fail later, at WhatsApp. */
function requireAnswer(answer: string): string {
	if (answer === '') {
		throw new FixableError(
			'The chat model returned an empty answer',
			"Check the model sub-node's output for a refusal or a token limit (Maximum Number of Tokens), or try another model.",
		);
	}
	return answer;
}

function modelFacts(result: unknown): IDataObject {
	const facts: IDataObject = {};
	const model = readModelName(result);
	if (model) facts.model = model;
	const usage = readTokenUsage(result);
	if (usage) facts.usage = { ...usage };
	return facts;
}
