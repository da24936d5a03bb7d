/**
 * The WhatsApp AI Reply node in the pinned n8n with n8n's own "OpenAI Chat Model" sub-node (version
 * 1.3, Responses API, not streamed) pointed at the local OpenAI-compatible server, whose default
 * responder answers `(turn N) You said: "…"`, N = the user messages the model saw. Two customers
 * write at the same moment, three times: each must see only their own conversation, whether it is
 * kept in the WhatsApp credential's store or in n8n's Simple Memory keyed by the customer.
 *
 * The model holds each request until the other customer's request has arrived too, so both
 * executions read their history before either saves its exchange: a conversation shared by the
 * two customers would show in the turn numbers.
 */
import { randomUUID } from 'node:crypto';

import type { WorkflowInput, WorkflowNode } from '../../scripts/harness';
import {
	CREDENTIAL_NAMES,
	PACKAGE_NAME,
	customer,
	executionError,
	executionsOf,
	importWorkflow,
	startWorld,
	type Customer,
	type World,
} from '../helpers/e2eWorld';
import { defaultResponder, type Responder } from '../tools/openaiCompatibleServer';

const ANA = customer('Ana', '+4915100000101');
const BEN = customer('Ben', '+4915100000202');
const ROUNDS = 3;
/** How long the model holds a request for the other customer's one before answering alone. */
const PAIRING_TIMEOUT_MS = 45_000;

interface Variant {
	name: string;
	path: string;
	assistant: string;
	memory: boolean;
}

const VARIANTS: Variant[] = [
	{
		name: 'without a Memory sub-node (history in the credential store)',
		path: 'ai-reply-store',
		assistant: 'E2E assistant (store)',
		memory: false,
	},
	{
		name: 'with Simple Memory keyed by {{ $json.contact.waId }}',
		path: 'ai-reply-memory',
		assistant: 'E2E assistant (memory)',
		memory: true,
	},
];

interface ReplyJson {
	reply: string;
	customerId: string;
	assistant: string;
	isNewConversation: boolean;
	historyMessages: number;
}

describe('WhatsApp AI Reply in a real n8n with the OpenAI Chat Model sub-node', () => {
	let world: World;
	let pairing: PairingModel;

	beforeAll(async () => {
		world = await startWorld();
		pairing = pairingResponder();
		world.model.setResponder(pairing.responder);
	});

	afterAll(async () => {
		await world?.stop();
	});

	describe.each(VARIANTS)('$name', (variant) => {
		it('keeps the conversations of two customers writing at the same time apart', async () => {
			const workflowId = await importWorkflow(world, aiReplyWorkflow(variant), { publish: true });
			world.model.reset();
			pairing.reset();

			for (let round = 1; round <= ROUNDS; round++) {
				const [toAna, toBen] = await Promise.all(
					[ANA, BEN].map(async (who) => await customerWrites(world, variant, who, round)),
				);
				for (const [who, reply] of [
					[ANA, toAna],
					[BEN, toBen],
				] as const) {
					expect(reply).toMatchObject({
						reply: `(turn ${round}) You said: "${textOf(who, round)}"`,
						customerId: who.waId,
						assistant: variant.assistant,
						isNewConversation: round === 1,
						historyMessages: 2 * (round - 1),
					});
				}
			}

			// Every model call waited for the other customer's: the executions overlapped.
			expect(pairing.answeredAlone()).toBe(0);
			for (const who of [ANA, BEN]) {
				expect(userMessagesSeenInLastRound(world, who)).toEqual(
					Array.from({ length: ROUNDS }, (_, i) => textOf(who, i + 1)),
				);
			}
			const executions = await executionsOf(world, workflowId);
			const failed = executions.filter((e) => e.status !== 'success');
			const errors = await Promise.all(
				failed.map(async ({ id }) => executionError(await world.n8n.api.getExecution(id))),
			);
			expect(errors).toEqual([]);
			expect(executions).toHaveLength(2 * ROUNDS);

			for (const who of [ANA, BEN]) {
				const history = await world.store.getAiHistory({
					assistant: variant.assistant,
					customer: who.waId,
					limit: 100,
				});
				if (variant.memory) {
					// The memory keeps the conversation; the store is not touched.
					expect(history).toEqual({ conversationId: null, messages: [] });
				} else {
					expect(history.messages.map(({ role, content }) => ({ role, content }))).toEqual(
						expectedConversation(who),
					);
				}
			}
		});
	});

	it("Detect Opt-Out reads an opt-out in the customer's words through the OpenAI Chat Model and records it with its evidence", async () => {
		const cara = customer('Cara', '+4915100000303');
		await importWorkflow(world, detectOptOutWorkflow(), { publish: true });
		world.model.reset();
		world.model.enqueue(
			'```json\n{"decision": "opt_out", "confidence": 0.96, "language": "de", "reason": "Bittet, keine Nachrichten mehr zu senden."}\n```',
		);
		const text = 'Bitte schicken Sie mir keine Angebote mehr, danke';
		const writtenAt = new Date(Date.now() - 60_000).toISOString();
		const answer = await world.n8n.webhook('ai-detect-opt-out', {
			body: {
				messageId: 'wamid.e2e-opt-out-1',
				timestamp: writtenAt,
				contact: { waId: cara.waId, name: cara.name },
				message: { text },
			},
		});
		expect(answer.status).toBe(200);
		const optOut = (answer.json as { optOut: Record<string, any> }).optOut;
		expect(optOut).toMatchObject({
			decision: 'opt_out',
			confidence: 0.96,
			final: true,
			askToConfirm: false,
			recorded: { status: 'opted_out', applied: true, source: 'keyword', matched: 'ai:opt_out' },
		});
		const [request] = world.model.chatRequests();
		expect(request.messages[request.messages.length - 1].content).toContain(`«${text}»`);

		expect(await world.store.getConsent(world.account, { waId: cara.waId })).toMatchObject({
			status: 'opted_out',
			source: 'keyword',
			since: new Date(writtenAt),
		});
		const [entry] = await world.store.getConsentHistory(world.account, { waId: cara.waId });
		expect(entry.evidence).toMatchObject({
			kind: 'ai_classification',
			text,
			messageIds: ['wamid.e2e-opt-out-1'],
			confidence: 0.96,
			at: writtenAt,
			// The OpenAI Chat Model reports the model that answered.
			model: expect.stringContaining('gpt-4o-mini'),
		});
	});
});

function textOf(who: Customer, round: number): string {
	return `${who.name} here, message ${round}`;
}

function expectedConversation(who: Customer): Array<{ role: string; content: string }> {
	return Array.from({ length: ROUNDS }, (_, i) => [
		{ role: 'user', content: textOf(who, i + 1) },
		{ role: 'assistant', content: `(turn ${i + 1}) You said: "${textOf(who, i + 1)}"` },
	]).flat();
}

/** The customer's message as the WhatsApp trigger outputs it, posted to the workflow's webhook. */
async function customerWrites(
	world: World,
	variant: Variant,
	who: Customer,
	round: number,
): Promise<ReplyJson> {
	const answer = await world.n8n.webhook(variant.path, {
		body: { contact: { waId: who.waId, name: who.name }, message: { text: textOf(who, round) } },
	});
	if (answer.status !== 200) {
		throw new Error(
			`${who.name}'s message ${round} to /webhook/${variant.path} answered ${answer.status}: ${answer.text}`,
		);
	}
	return answer.json as ReplyJson;
}

/** The user messages of the model request that answered the customer's last message. */
function userMessagesSeenInLastRound(world: World, who: Customer): string[] {
	const lastText = textOf(who, ROUNDS);
	const request = world.model.chatRequests().find((r) => {
		const users = r.messages.filter((m) => m.role === 'user');
		return users[users.length - 1]?.content === lastText;
	});
	if (!request) throw new Error(`the model never received "${lastText}"`);
	expect(request).toMatchObject({ api: 'responses', stream: false });
	return request.messages.filter((m) => m.role === 'user').map((m) => m.content);
}

interface PairingModel {
	responder: Responder;
	/** Requests answered without another one having arrived within the pairing timeout. */
	answeredAlone(): number;
	reset(): void;
}

/** The default responder, answering requests two at a time. */
function pairingResponder(): PairingModel {
	let waiting: Array<() => void> = [];
	let alone = 0;
	const responder: Responder = async (request) => {
		const paired = await new Promise<boolean>((resolve) => {
			const timer = setTimeout(() => {
				waiting = waiting.filter((release) => release !== pair);
				resolve(false);
			}, PAIRING_TIMEOUT_MS);
			const pair = () => {
				clearTimeout(timer);
				resolve(true);
			};
			waiting.push(pair);
			if (waiting.length >= 2) {
				const released = waiting;
				waiting = [];
				for (const release of released) release();
			}
		});
		if (!paired) alone++;
		return defaultResponder(request);
	};
	return {
		responder,
		answeredAlone: () => alone,
		reset: () => {
			alone = 0;
		},
	};
}

// ---------------------------------------------------------------- the workflows

/** Webhook → the trigger's item shape → AI Reply (Detect Opt-Out, Record Opt-Out) + OpenAI Chat Model. */
function detectOptOutWorkflow(): WorkflowInput {
	const workflow = aiReplyWorkflow({
		name: 'detect opt-out',
		path: 'ai-detect-opt-out',
		assistant: 'E2E assistant (opt-out)',
		memory: false,
	});
	const setNode = workflow.nodes.find((node) => node.name === 'As WhatsApp Message')!;
	const { assignments } = (setNode.parameters as { assignments: { assignments: unknown[] } })
		.assignments;
	for (const name of ['messageId', 'timestamp']) {
		assignments.push({
			id: randomUUID(),
			name,
			type: 'string',
			value: `={{ $json.body.${name} }}`,
		});
	}
	const aiNode = workflow.nodes.find((node) => node.name === 'AI Reply')!;
	aiNode.parameters = {
		operation: 'detectOptOut',
		customerId: '={{ $json.contact.waId }}',
		assistantName: 'E2E assistant (opt-out)',
		options: { recordOptOut: true },
	};
	return { ...workflow, name: 'AI Reply, Detect Opt-Out with Record Opt-Out' };
}

/** Webhook → the trigger's item shape → AI Reply (+ OpenAI Chat Model, optionally Simple Memory). */
function aiReplyWorkflow(variant: Variant): WorkflowInput {
	const nodes: WorkflowNode[] = [
		{
			name: 'Webhook',
			type: 'n8n-nodes-base.webhook',
			typeVersion: 2,
			position: [0, 0],
			webhookId: randomUUID(),
			parameters: {
				httpMethod: 'POST',
				path: variant.path,
				responseMode: 'lastNode',
				options: {},
			},
		},
		{
			name: 'As WhatsApp Message',
			type: 'n8n-nodes-base.set',
			typeVersion: 3.4,
			position: [220, 0],
			parameters: {
				assignments: {
					assignments: [
						{
							id: randomUUID(),
							name: 'contact',
							type: 'object',
							value: '={{ $json.body.contact }}',
						},
						{
							id: randomUUID(),
							name: 'message',
							type: 'object',
							value: '={{ $json.body.message }}',
						},
					],
				},
				options: {},
			},
		},
		{
			name: 'AI Reply',
			type: `${PACKAGE_NAME}.whatsAppAiReply`,
			typeVersion: 1,
			position: [440, 0],
			parameters: {
				operation: 'generateReply',
				customerId: '={{ $json.contact.waId }}',
				assistantName: variant.assistant,
				message: '={{ $json.message.text }}',
			},
			// With a memory the node needs no credential: the memory keeps the conversation.
			...(variant.memory
				? {}
				: {
						credentials: { whatsAppCloudApi: { name: CREDENTIAL_NAMES.whatsAppCloudApi } },
					}),
		},
		{
			name: 'OpenAI Chat Model',
			type: '@n8n/n8n-nodes-langchain.lmChatOpenAi',
			typeVersion: 1.3,
			position: [440, 220],
			parameters: {
				model: { __rl: true, mode: 'list', value: 'gpt-4o-mini', cachedResultName: 'gpt-4o-mini' },
				options: {},
			},
			credentials: { openAiApi: { name: CREDENTIAL_NAMES.openAiApi } },
		},
	];
	const connections: Record<string, unknown> = {
		Webhook: { main: [[{ node: 'As WhatsApp Message', type: 'main', index: 0 }]] },
		'As WhatsApp Message': { main: [[{ node: 'AI Reply', type: 'main', index: 0 }]] },
		'OpenAI Chat Model': {
			ai_languageModel: [[{ node: 'AI Reply', type: 'ai_languageModel', index: 0 }]],
		},
	};
	if (variant.memory) {
		nodes.push({
			name: 'Simple Memory',
			type: '@n8n/n8n-nodes-langchain.memoryBufferWindow',
			typeVersion: 1.3,
			position: [640, 220],
			parameters: {
				sessionIdType: 'customKey',
				sessionKey: '={{ $json.contact.waId }}',
				contextWindowLength: 10,
			},
		});
		connections['Simple Memory'] = {
			ai_memory: [[{ node: 'AI Reply', type: 'ai_memory', index: 0 }]],
		};
	}
	return {
		name: `AI Reply, two customers at once (${variant.path})`,
		nodes,
		connections,
		settings: { executionOrder: 'v1' },
	};
}
