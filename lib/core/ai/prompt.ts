/**
 * The messages sent to the chat model for each operation. Everything the model should know goes
 * into one system message (instructions, context variables, the current time, a task for the
 * follow-up operations), so the prompt works with every provider: some refuse system messages
 * after the first one, a conversation that opens with the assistant, or two turns of one role in
 * a row.
 */
import { DateTime } from 'luxon';

import { FieldError } from '../fieldError';
import type { ChatMessage, ContextVariable, ModelMessage } from './types';

export interface PromptContext {
	/** The user's system prompt: who the assistant is, tone, rules. May be empty. */
	instructions: string;
	variables: ContextVariable[];
	/** Earlier messages of this customer's conversation, oldest first. */
	history: ChatMessage[];
	now: Date;
	/** IANA zone for the current time shown to the model, e.g. the workflow's time zone. */
	timeZone: string;
}

export interface DelayBounds {
	minHours: number;
	maxHours: number;
}

/** Generate Reply: the conversation so far as real turns, then the customer's new message. */
export function buildReplyMessages(context: PromptContext, message: string): ModelMessage[] {
	const { turns, notes } = splitHistory(context.history);
	return [
		...systemMessage([...baseSections(context), ...notes]),
		...mergeSameRole([...turns, { role: 'user', content: message }]),
	];
}

/** Write Follow-up: a message the customer has not asked for, so the task is spelled out. */
export function buildFollowUpMessages(context: PromptContext, purpose: string): ModelMessage[] {
	return taskPrompt(context, [
		'Task: write the next WhatsApp message to this customer to re-engage them. They have not answered since the last message.',
		`Purpose of this follow-up: ${purpose.trim()}`,
		'Write in the language the customer uses. Answer with the message text only, exactly as it will be sent: no quotes, no notes, no explanations.',
	]);
}

/** Check Stop Condition: a yes/no decision with a reason, asked for as JSON. */
export function buildStopCheckMessages(context: PromptContext, condition: string): ModelMessage[] {
	return taskPrompt(context, [
		'Task: decide from the conversation whether follow-up messages to this customer must stop.',
		`Follow-ups must stop when: ${condition.trim()}`,
		'Answer with JSON only, in exactly this form: {"stop": true or false, "reason": "one short sentence"}',
	]);
}

/**
 * Decide Follow-up: whether the situation the user describes holds, and (when given) whether the
 * stop condition does, which always wins.
 */
export function buildFollowUpDecisionMessages(
	context: PromptContext,
	when: string,
	stopCondition: string,
): ModelMessage[] {
	const stop = stopCondition.trim();
	return taskPrompt(context, [
		'Task: decide from the conversation whether to start a follow-up with this customer now, i.e. send them a message although they have not written.',
		`Start a follow-up when: ${when.trim()}`,
		...(stop
			? [
					`Never follow up, and answer "stop": true, when: ${stop}`,
					'Answer with JSON only, in exactly this form: {"followUp": true or false, "stop": true or false, "reason": "one short sentence"}',
				]
			: [
					'Answer with JSON only, in exactly this form: {"followUp": true or false, "reason": "one short sentence"}',
				]),
	]);
}

/**
 * Detect Opt-Out: one message of the customer classified, with the conversation as context (a
 * "no" may answer "may we keep sending offers?").
 */
export function buildOptOutMessages(context: PromptContext, message: string): ModelMessage[] {
	return taskPrompt(context, [
		"Task: classify whether the customer's latest message below asks us to stop sending them messages or marketing (unsubscribe, opt out, no more offers, leave me alone), in any language and wording.",
		'"opt_out": the message asks to stop receiving our messages. "not_opt_out": it does not (a question, a complaint about something else, a stop of an order or a delivery, a negated request such as "don\'t stop"). "unsure": it could be read either way.',
		`Customer's latest message: «${message.trim()}»`,
		'Answer with JSON only, in exactly this form: {"decision": "opt_out" or "not_opt_out" or "unsure", "confidence": a number from 0 to 1 (how sure you are of the decision), "language": the ISO 639-1 code of the customer\'s message, "reason": "one short sentence"}',
	]);
}

/** Suggest Follow-up Delay: hours within the user's bounds, asked for as JSON. */
export function buildDelayMessages(
	context: PromptContext,
	bounds: DelayBounds,
	guidance: string,
): ModelMessage[] {
	return taskPrompt(context, [
		'Task: recommend how long to wait before sending the next follow-up message to this customer, judging from the conversation (their interest, what they said about timing, when they last wrote).',
		...(guidance.trim() ? [`Guidance: ${guidance.trim()}`] : []),
		`The delay must be between ${formatHours(bounds.minHours)} and ${formatHours(bounds.maxHours)} hours.`,
		'Answer with JSON only, in exactly this form: {"delayHours": number, "reason": "one short sentence"}',
	]);
}

/**
 * Context variables as given by the user. A row with a value but no name is a mistake worth
 * reporting; a fully empty row (a leftover in the editor) is ignored.
 */
export function cleanVariables(
	rows: Array<{ name?: unknown; value?: unknown }>,
): ContextVariable[] {
	const variables: ContextVariable[] = [];
	rows.forEach((row, index) => {
		const name = typeof row.name === 'string' ? row.name.trim() : '';
		const value = renderValue(row.value);
		if (name === '' && value === '') return;
		if (name === '') {
			throw new FieldError(
				`Context Variable ${index + 1} Name`,
				value,
				'is empty',
				'Give every context variable a name, e.g. "Customer name", so the model knows what the value means.',
			);
		}
		variables.push({ name, value });
	});
	return variables;
}

function renderValue(value: unknown): string {
	if (value === undefined || value === null) return '';
	if (typeof value === 'string') return value.trim();
	if (typeof value === 'number' || typeof value === 'boolean') return String(value);
	return JSON.stringify(value);
}

function taskPrompt(context: PromptContext, task: string[]): ModelMessage[] {
	const transcript =
		context.history.length === 0
			? 'Conversation so far: none yet (the customer has not written to this assistant).'
			: `Conversation so far, oldest first:\n${context.history.map((m) => transcriptLine(m, context.timeZone)).join('\n')}`;
	// One user message carrying the transcript: providers differ in which role may come last.
	return [
		...systemMessage(baseSections(context)),
		{ role: 'user', content: `${transcript}\n\n${task.join('\n')}` },
	];
}

function baseSections(context: PromptContext): string[] {
	const sections: string[] = [];
	if (context.instructions.trim()) sections.push(context.instructions.trim());
	if (context.variables.length > 0) {
		sections.push(
			`Context:\n${context.variables.map((v) => `- ${v.name}: ${v.value === '' ? '(empty)' : v.value}`).join('\n')}`,
		);
	}
	sections.push(`Current time: ${formatTime(context.now, context.timeZone)}`);
	return sections;
}

function systemMessage(sections: string[]): ModelMessage[] {
	return sections.length === 0 ? [] : [{ role: 'system', content: sections.join('\n\n') }];
}

/**
 * Memory summaries (system messages) and assistant messages before the first customer turn shown
 * (a conversation the business opened, or a history window cut after a customer turn) become notes
 * in the system message; the rest stays as alternating turns.
 */
function splitHistory(history: ChatMessage[]): { turns: ModelMessage[]; notes: string[] } {
	const summaries = history.filter((m) => m.role === 'system').map((m) => m.content);
	const turns = history.filter((m) => m.role !== 'system');
	const firstUserTurn = turns.findIndex((m) => m.role === 'user');
	const opening = firstUserTurn === -1 ? turns : turns.slice(0, firstUserTurn);
	const notes: string[] = [];
	if (summaries.length > 0) notes.push(`Earlier in this conversation:\n${summaries.join('\n')}`);
	if (opening.length > 0) {
		notes.push(
			`Your earlier messages in this conversation:\n${opening.map((m) => `«${m.content}»`).join('\n')}`,
		);
	}
	return {
		turns: turns.slice(opening.length).map(({ role, content }) => ({ role, content })),
		notes,
	};
}

function mergeSameRole(messages: ModelMessage[]): ModelMessage[] {
	const merged: ModelMessage[] = [];
	for (const message of messages) {
		const previous = merged[merged.length - 1];
		if (previous?.role === message.role)
			previous.content = `${previous.content}\n\n${message.content}`;
		else merged.push({ ...message });
	}
	return merged;
}

function transcriptLine(message: ChatMessage, timeZone: string): string {
	const speaker =
		message.role === 'user' ? 'Customer' : message.role === 'assistant' ? 'Assistant' : 'Note';
	const when = message.at ? `[${inZone(message.at, timeZone).toFormat('yyyy-LL-dd HH:mm')}] ` : '';
	return `${when}${speaker}: ${message.content}`;
}

function formatTime(now: Date, timeZone: string): string {
	const time = inZone(now, timeZone);
	return `${time.toFormat('cccc, d LLLL yyyy, HH:mm')} (${time.zoneName ?? 'UTC'})`;
}

function inZone(date: Date, timeZone: string): DateTime {
	const time = DateTime.fromJSDate(date, { zone: timeZone }).setLocale('en');
	return time.isValid ? time : DateTime.fromJSDate(date, { zone: 'UTC' }).setLocale('en');
}

function formatHours(hours: number): string {
	return Number.isInteger(hours) ? String(hours) : hours.toFixed(2).replace(/0+$/, '');
}

/** The newest `limit` messages, oldest first (`limit` 0 → none). */
export function recentMessages(history: ChatMessage[], limit: number): ChatMessage[] {
	return limit <= 0 ? [] : history.slice(-limit);
}
