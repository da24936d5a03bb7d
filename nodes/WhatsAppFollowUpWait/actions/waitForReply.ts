import {
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	NodeOperationError,
	tryToParseDateTime,
} from 'n8n-workflow';

import { toBusinessHours, type BusinessHours } from '../../../lib/core/businessHours';
import { parseContactIdentifier, type ContactIdentifier } from '../../../lib/core/contact';
import { FieldError } from '../../../lib/core/fieldError';
import { tooOldN8n } from '../../../lib/core/n8nVersion';
import { toReplyRule } from '../../../lib/core/waitRules';
import {
	computeDeadline,
	type Deadline,
	type DurationUnit,
	type WaitTiming,
} from '../../../lib/waits/deadline';
import { type SequenceCap, startFollowUp } from '../../../lib/waits/register';
import { readItemParameter } from '../../helpers/itemParameter';
import { runningN8nVersion } from '../../helpers/n8nVersion';
import { OUTPUT, SEQUENCE_VERSION, waitOutputs } from '../descriptions/properties';
import { openWaitStore, phoneNumberIdOf, readSequence, toNodeError } from './common';

interface WaitTarget {
	phoneNumberId: string;
	contact: ContactIdentifier;
}

/**
 * Registers the wait in the store, then pauses the execution until the deadline. The execution
 * continues later through webhook() (Replied, Cancelled) or n8n's wait tracker (No Reply).
 */
export async function waitForReply(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const version = this.getNode().typeVersion;
	const outputs: INodeExecutionData[][] = waitOutputs(version);
	if (items.length === 0) return outputs;
	const tooOld = tooOldN8n(runningN8nVersion());
	if (tooOld) throw new NodeOperationError(this.getNode(), tooOld);
	const now = new Date();
	let target: WaitTarget;
	let timing: WaitTiming;
	let businessHours: BusinessHours | undefined;
	let rule: ReturnType<typeof toReplyRule>;
	let sequence: string;
	let cap: SequenceCap | undefined;
	try {
		target = readTarget(this, items.length);
		timing = readTiming(this);
		businessHours = readBusinessHours(this);
		rule = toReplyRule({
			kind: this.getNodeParameter('replyRule', 0, 'anyMessage'),
			ids: this.getNodeParameter('buttonIds', 0, ''),
			keywords: this.getNodeParameter('keywords', 0, ''),
			mode: this.getNodeParameter('keywordMatch', 0, 'contains'),
		});
		// Before version 1.2 the wait still belongs to its workflow's sequence, uncounted.
		sequence = readSequence(this, version >= SEQUENCE_VERSION ? 0 : null);
		cap = version >= SEQUENCE_VERSION ? readCap(this) : undefined;
	} catch (error) {
		throw toNodeError(this, error as Error, 0);
	}

	const { store, account } = await openWaitStore.call(this);
	const windowKey = { account, phoneNumberId: target.phoneNumberId, contact: target.contact };
	const lastInboundAt =
		timing.mode === 'afterLastInbound'
			? ((await store.getWindow(windowKey))?.lastInboundAt ?? null)
			: null;
	let deadline: Deadline;
	try {
		deadline = computeDeadline(timing, { now, lastInboundAt, businessHours });
	} catch (error) {
		throw toNodeError(this, error as Error, 0);
	}
	// Already overdue (e.g. the contact's last message is older than the follow-up delay).
	const overdue = deadline.at.getTime() <= now.getTime();
	// Read before the wait exists, so that a store failure here leaves no wait without an execution.
	const windowOpenAtDeadline = overdue
		? false
		: await store.isWindowOpen({ ...windowKey, at: deadline.at });
	const resumeUrl = overdue ? '' : this.evaluateExpression('{{ $execution.resumeUrl }}', 0);
	if (typeof resumeUrl !== 'string' || (!overdue && resumeUrl === '')) {
		throw new NodeOperationError(this.getNode(), 'n8n gave this execution no resume URL', {
			description:
				'The Follow-up Wait needs an n8n that supports waiting executions (n8n 1.0 or later).',
		});
	}
	const start = await startFollowUp(store, {
		...windowKey,
		executionId: this.getExecutionId(),
		workflowId: this.getWorkflow().id,
		resumeUrl,
		deadline: deadline.at,
		rule,
		now,
		sequence,
		...(cap ? { cap } : {}),
	});
	const counted = (count: number | null): IDataObject =>
		cap ? { sequence, count, max: cap.max, limitReached: false } : {};
	const clamped: IDataObject =
		timing.mode === 'fromField' ? { deadlineClampedTo: deadline.clampedTo } : {};

	if (start.kind === 'limitReached') {
		const windowOpen = await store.isWindowOpen({ ...windowKey, at: now });
		const followUp: IDataObject = {
			outcome: 'limitReached',
			limitReached: true,
			sequence,
			count: start.followUps,
			max: cap?.max ?? null,
		};
		outputs[OUTPUT.limitReached] = items.map((item, index) => ({
			...withFollowUp(item, windowOpen, followUp),
			pairedItem: { item: index },
		}));
		return outputs;
	}
	if (start.kind === 'overdue') {
		const windowOpen = await store.isWindowOpen({ ...windowKey, at: now });
		const followUp: IDataObject = {
			outcome: 'noReply',
			deadline: deadline.at.toISOString(),
			...clamped,
			...counted(start.followUp),
		};
		outputs[OUTPUT.noReply] = items.map((item, index) => ({
			...withFollowUp(item, windowOpen, followUp),
			pairedItem: { item: index },
		}));
		return outputs;
	}
	// When the time runs out, n8n's wait tracker passes this node's input items, as they are saved
	// with the waiting execution, to output 0 without calling the node again. So the No Reply items
	// are prepared now, in that saved array: the window as it will be at the deadline. A message from
	// the contact before then resumes the wait (Replied) unless the reply rule ignored it; only such
	// an ignored message can make the window more open than said here, never less.
	const followUp: IDataObject = {
		outcome: 'noReply',
		waitId: start.wait.id,
		deadline: deadline.at.toISOString(),
		...clamped,
		...counted(start.followUp),
	};
	items.forEach((item, index) => {
		items[index] = withFollowUp(item, windowOpenAtDeadline, followUp);
	});
	await this.putExecutionToWait(deadline.at);
	return outputs;
}

function withFollowUp(
	item: INodeExecutionData,
	windowOpen: boolean,
	followUp: IDataObject,
): INodeExecutionData {
	return { ...item, json: { ...item.json, windowOpen, followUp } };
}

/** One execution waits for one contact: a reply resumes the whole execution, not single items. */
function readTarget(context: IExecuteFunctions, itemCount: number): WaitTarget {
	const targets = new Map<string, WaitTarget>();
	for (let i = 0; i < itemCount; i++) {
		try {
			const target = readItemTarget(context, i);
			targets.set(`${target.phoneNumberId}:${target.contact.label}`, target);
		} catch (error) {
			throw toNodeError(context, error as Error, i);
		}
	}
	if (targets.size > 1) {
		const shown = [...targets.values()]
			.slice(0, 3)
			.map((target) => `${target.contact.label} on ${target.phoneNumberId}`)
			.join(', ');
		throw new NodeOperationError(
			context.getNode(),
			`The ${itemCount} input items are for ${targets.size} different contacts (${shown}${targets.size > 3 ? ', …' : ''}), but one execution can only wait for one contact`,
			{
				description:
					'Run one execution per contact: move the Follow-up Wait (and what follows it) into a sub-workflow and call it with an Execute Workflow node in mode "Run once for each item", with "Wait For Sub-Workflow Completion" off. Items of the same contact wait together.',
			},
		);
	}
	return [...targets.values()][0];
}

function readItemTarget(context: IExecuteFunctions, itemIndex: number): WaitTarget {
	const phoneNumberId = phoneNumberIdOf(
		readItemParameter(context, 'phoneNumber', itemIndex, '', { extractValue: true }),
	);
	if (phoneNumberId === null) {
		throw new FieldError(
			'Business Phone Number',
			'',
			`is empty for item ${itemIndex + 1}`,
			'Pick the number the contact writes to, or map {{ $json.business.phoneNumberId }} (trigger) or {{ $json.sender.phoneNumberId }} (send node).',
		);
	}
	const contact = parseContactIdentifier(readItemParameter(context, 'contact', itemIndex));
	return { phoneNumberId, contact };
}

function readTiming(context: IExecuteFunctions): WaitTiming {
	const limit = context.getNodeParameter('limit', 0, 'duration') as WaitTiming['mode'];
	if (limit === 'fromField') {
		return {
			mode: 'fromField',
			field: {
				value: readItemParameter(context, 'deadlineFrom', 0),
				label: deadlineLabel(context.getNode().parameters.deadlineFrom),
				timeZone: context.getTimezone(),
				earliest: {
					amount: context.getNodeParameter('earliestAmount', 0, 10) as number,
					unit: context.getNodeParameter('earliestUnit', 0, 'minutes') as DurationUnit,
				},
				latest: {
					amount: context.getNodeParameter('latestAmount', 0, 30) as number,
					unit: context.getNodeParameter('latestUnit', 0, 'days') as DurationUnit,
				},
			},
		};
	}
	if (limit === 'until') {
		const value = context.getNodeParameter('until', 0, '');
		// An invalid date reaches computeDeadline, which names the field and the fix.
		return {
			mode: 'until',
			at: parseDateTime(value, context.getTimezone()) ?? new Date(Number.NaN),
		};
	}
	const mapped = context.getNodeParameter('amount', 0, 4);
	// An expression may map the amount as text, e.g. a CRM field "4".
	const amount =
		typeof mapped === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(mapped) ? Number(mapped) : mapped;
	const unit = context.getNodeParameter('unit', 0, 'hours') as DurationUnit;
	if (limit !== 'duration' && limit !== 'afterLastInbound') {
		throw new FieldError(
			'Time Limit',
			limit,
			'is not a time limit',
			'Choose After a Duration, At a Date and Time, After the Contact’s Last Message, or From a Field.',
		);
	}
	return { mode: limit, amount: amount as number, unit };
}

/** Names the mapped field in errors: `Deadline ({{ $json.followUpAt }})`. */
function deadlineLabel(raw: unknown): string {
	return typeof raw === 'string' && raw.startsWith('=')
		? `Deadline (${raw.slice(1).trim()})`
		: 'Deadline';
}

function readCap(context: IExecuteFunctions): SequenceCap {
	const max = context.getNodeParameter('maxFollowUps', 0, 5);
	if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 1000) {
		throw new FieldError(
			'Maximum Follow-Ups',
			max,
			'is not a whole number from 1 to 1000',
			'Enter how many follow-ups the contact may get in this sequence, e.g. 5.',
		);
	}
	return { max, resetOnReply: context.getNodeParameter('resetOnReply', 0, true) !== false };
}

function parseDateTime(value: unknown, timeZone: string): Date | null {
	try {
		return tryToParseDateTime(value, timeZone).toJSDate();
	} catch {
		return null;
	}
}

function readBusinessHours(context: IExecuteFunctions): BusinessHours | undefined {
	if (!context.getNodeParameter('businessHoursOnly', 0, false)) return undefined;
	const zone = String(context.getNodeParameter('businessTimeZone', 0, '') ?? '').trim();
	return toBusinessHours({
		timeZone: zone === '' ? context.getTimezone() : zone,
		days: context.getNodeParameter('businessDays', 0, []),
		from: context.getNodeParameter('businessFrom', 0, '09:00'),
		to: context.getNodeParameter('businessTo', 0, '17:00'),
	});
}
