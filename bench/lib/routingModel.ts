/**
 * Which trigger workflows a customer's text message should start, by the rules users read in
 * docs/nodes/trigger.md ("Many workflows on one number"), written here apart from the package's
 * own router (lib/core/routing.ts) so that the routing benchmark checks the router instead of
 * repeating it. Only what the benchmark sends is modelled: text messages from contacts with no
 * waiting Follow-up Wait and no handover. Keyword matching itself (case, spaces, modes) is the
 * package's matcher: the check is about who receives, not about how a keyword matches.
 *
 * Then the tally: the runs n8n started, attributed to the deliveries by message id, against
 * what each delivery should have started, with every extra and missing run counted per workflow.
 */
import { compileKeywordMatcher, type KeywordMatchMode } from '../../lib/core/keywords';

export type RoutingRole = 'every' | 'keyword' | 'fallback';

export interface FlowSpec {
	/** The workflow's name in the reports; unique within one set of flows. */
	name: string;
	role: RoutingRole;
	/** Empty: every text message passes the flow's own filter. */
	keywords: readonly string[];
	keywordMatch: KeywordMatchMode;
	/** The trigger's Keyword Priority (keyword flows only; higher wins). */
	priority: number;
	/** `<workflowId>/<nodeId>`: the last tie-break between keyword flows. */
	routeId: string;
}

/** Exact over starts with over contains and regex (equal). */
const SPECIFICITY: Record<KeywordMatchMode, number> = {
	exact: 3,
	startsWith: 2,
	contains: 1,
	regex: 1,
};

/**
 * The flows that should start for this text, in the order given: every *every* flow whose filter
 * passes; of the *keyword* flows whose keyword matches, the one winner; and, only when no keyword
 * flow won, every *fallback* flow whose filter passes.
 */
export function expectedRecipients(text: string, flows: readonly FlowSpec[]): string[] {
	const passing = flows.flatMap((flow) => {
		const keyword = matchedKeyword(flow, text);
		return keyword === undefined ? [] : [{ flow, keyword }];
	});
	const winner = passing
		.filter(({ flow }) => flow.role === 'keyword')
		.sort((a, b) => {
			const bySpecificity = SPECIFICITY[b.flow.keywordMatch] - SPECIFICITY[a.flow.keywordMatch];
			if (bySpecificity !== 0) return bySpecificity;
			if (b.flow.priority !== a.flow.priority) return b.flow.priority - a.flow.priority;
			if (b.keyword.length !== a.keyword.length) return b.keyword.length - a.keyword.length;
			return a.flow.routeId < b.flow.routeId ? -1 : a.flow.routeId > b.flow.routeId ? 1 : 0;
		})[0]?.flow;
	return passing
		.map(({ flow }) => flow)
		.filter(
			(flow) =>
				flow.role === 'every' ||
				flow === winner ||
				(flow.role === 'fallback' && winner === undefined),
		)
		.map((flow) => flow.name);
}

/** The first of the flow's keywords the text matches ('' for a flow without keywords). */
function matchedKeyword(flow: FlowSpec, text: string): string | undefined {
	if (flow.keywords.length === 0) return '';
	return flow.keywords.find((keyword) => compileKeywordMatcher([keyword], flow.keywordMatch)(text));
}

/** One delivery the benchmark sent and what it should start. */
export interface SentDelivery {
	messageId: string;
	text: string;
	expected: readonly string[];
}

/** One execution n8n started: its workflow, and the message ids its trigger emitted. */
export interface StartedRun {
	workflow: string;
	messageIds: readonly string[];
}

export interface WorkflowTally {
	expected: number;
	actual: number;
	/** Runs for deliveries that should not have started this workflow, or a second run of one. */
	extra: number;
	/** Deliveries that should have started this workflow and did not. */
	missing: number;
}

export interface RoutingCheck {
	deliveries: number;
	expectedExecutions: number;
	actualExecutions: number;
	expectedPerDelivery: number;
	actualPerDelivery: number;
	/** Deliveries that started exactly the workflows they should have. */
	exactDeliveries: number;
	byWorkflow: Record<string, WorkflowTally>;
	/** Runs that name none of the deliveries sent (counted as extra too). */
	unattributedRuns: number;
	/** True when every delivery started exactly its workflows and no run is unattributed. */
	matches: boolean;
	/** The first deliveries that differ, for the report. */
	mismatches: Array<{ text: string; expected: string[]; actual: string[] }>;
}

const MISMATCH_EXAMPLES = 5;

/** Compares the runs n8n started with what each delivery should have started. */
export function checkRouting(
	workflows: readonly string[],
	deliveries: readonly SentDelivery[],
	runs: readonly StartedRun[],
): RoutingCheck {
	const byWorkflow: Record<string, WorkflowTally> = Object.fromEntries(
		workflows.map((name) => [name, { expected: 0, actual: 0, extra: 0, missing: 0 }]),
	);
	const tallyOf = (name: string) =>
		(byWorkflow[name] ??= { expected: 0, actual: 0, extra: 0, missing: 0 });
	const startedFor = new Map<string, string[]>(deliveries.map((d) => [d.messageId, []]));
	let unattributedRuns = 0;
	for (const run of runs) {
		tallyOf(run.workflow).actual++;
		const known = [...new Set(run.messageIds)].filter((id) => startedFor.has(id));
		if (known.length === 0) {
			unattributedRuns++;
			tallyOf(run.workflow).extra++;
		}
		for (const id of known) startedFor.get(id)?.push(run.workflow);
	}

	let exactDeliveries = 0;
	const mismatches: RoutingCheck['mismatches'] = [];
	for (const delivery of deliveries) {
		const actual = startedFor.get(delivery.messageId) ?? [];
		let exact = true;
		for (const name of delivery.expected) tallyOf(name).expected++;
		for (const name of new Set([...delivery.expected, ...actual])) {
			const want = delivery.expected.includes(name) ? 1 : 0;
			const got = actual.filter((started) => started === name).length;
			if (got > want) tallyOf(name).extra += got - want;
			if (got < want) tallyOf(name).missing += want - got;
			if (got !== want) exact = false;
		}
		if (exact) exactDeliveries++;
		else if (mismatches.length < MISMATCH_EXAMPLES) {
			mismatches.push({ text: delivery.text, expected: [...delivery.expected], actual });
		}
	}

	const expectedExecutions = deliveries.reduce((sum, d) => sum + d.expected.length, 0);
	const perDelivery = (count: number) =>
		deliveries.length === 0 ? 0 : Math.round((count / deliveries.length) * 100) / 100;
	return {
		deliveries: deliveries.length,
		expectedExecutions,
		actualExecutions: runs.length,
		expectedPerDelivery: perDelivery(expectedExecutions),
		actualPerDelivery: perDelivery(runs.length),
		exactDeliveries,
		byWorkflow,
		unattributedRuns,
		matches: exactDeliveries === deliveries.length && unattributedRuns === 0,
		mismatches,
	};
}
