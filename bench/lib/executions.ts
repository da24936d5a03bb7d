/**
 * Counting what n8n started: every execution of a workflow through the public API, page by page
 * (the harness's listExecutions reads only the first 250), and the items its first node emitted.
 */
import type { Execution, N8nInstance } from '../../scripts/harness';
import { sleep } from './stats';

const PAGE_SIZE = 250;
const SETTLE_POLL_MS = 1000;
/**
 * Nothing runs and the count did not change for this long: every started run is saved. Shorter
 * once the expected count is reached (only an extra run could still come, and the trigger answers
 * after its forwards were taken), longer below it (a missing run never comes).
 */
const STABLE_REACHED_MS = 2000;
const STABLE_SHORT_MS = 5000;

/** Every execution of the workflow, newest first; with the execution data when `includeData`. */
export async function allExecutions(
	n8n: N8nInstance,
	workflowId: string,
	includeData = false,
): Promise<Execution[]> {
	const executions: Execution[] = [];
	let cursor: string | undefined;
	do {
		const search = new URLSearchParams({ workflowId, limit: String(PAGE_SIZE) });
		if (includeData) search.set('includeData', 'true');
		if (cursor) search.set('cursor', cursor);
		const reply = await n8n.api.request('GET', `/api/v1/executions?${search.toString()}`);
		if (reply.status !== 200) {
			throw new Error(
				`listing the executions of workflow ${workflowId} answered ${reply.status}: ${reply.text.slice(0, 500)}`,
			);
		}
		const page = reply.json as { data: Execution[]; nextCursor?: string | null };
		executions.push(...page.data);
		cursor = page.nextCursor ?? undefined;
	} while (cursor);
	return executions;
}

/**
 * Waits until the workflows' executions are all saved: none new or running and their count
 * unchanged for a while (see STABLE_REACHED_MS), or `timeoutMs` passed. Returns the count.
 */
export async function settleExecutions(
	n8n: N8nInstance,
	workflowIds: readonly string[],
	expected: number,
	timeoutMs = 120_000,
): Promise<number> {
	const deadline = Date.now() + timeoutMs;
	let last = -1;
	let stableSince = Date.now();
	for (;;) {
		const executions = (
			await Promise.all(workflowIds.map(async (id) => await allExecutions(n8n, id)))
		).flat();
		const busy = executions.some((e) => e.status === 'new' || e.status === 'running');
		if (executions.length !== last) {
			last = executions.length;
			stableSince = Date.now();
		}
		const stableFor = last >= expected ? STABLE_REACHED_MS : STABLE_SHORT_MS;
		if (!busy && Date.now() - stableSince >= stableFor) return last;
		if (Date.now() > deadline) return last;
		await sleep(SETTLE_POLL_MS);
	}
}

/** The JSON of the items the execution's node `nodeName` emitted on its first output. */
export function outputItemsOf(
	execution: Execution,
	nodeName: string,
): Array<Record<string, unknown>> {
	const runs = execution.data?.resultData.runData[nodeName] as
		Array<{ data?: { main?: Array<Array<{ json: Record<string, unknown> }> | null> } }> | undefined;
	return (runs ?? []).flatMap((run) => (run.data?.main?.[0] ?? []).map((item) => item.json));
}
