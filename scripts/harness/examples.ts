/**
 * Every example workflow of examples/ into one n8n, the way a user who imports them all would have
 * them: imported (unless a workflow of that name is there already), then published one after
 * another in file order (01, 02, …), so the first trigger workflow (example 2) takes Meta's
 * callback and the others register as routes beside it. The sandbox (`npm start`) and the e2e
 * example suites (test/e2e/examples.test.ts, queue.test.ts) both publish them here, so the tests
 * see the examples working together as a sandbox user does.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { CreatedCredential, N8nApi, WorkflowInput } from './api';
import { repoRoot } from './paths';

export interface PublishedExample {
	/** The file name in examples/, e.g. `02-lead-qualification.json`. */
	file: string;
	/** The workflow's name in n8n. */
	name: string;
	id: string;
	/** Why it is imported but not published; null when it is published. */
	error: Error | null;
}

export interface PublishExamplesOptions {
	/**
	 * Changes a workflow before it is imported, e.g. a test shortening a wait it cannot sit through.
	 * Applies only to workflows imported now, not to ones n8n already had.
	 */
	adapt?: (file: string, workflow: WorkflowInput) => WorkflowInput;
}

/**
 * Imports the examples n8n does not have yet (by workflow name) and publishes every one of them,
 * in file order. A workflow that does not publish is reported in its entry and the others still
 * publish; the caller decides whether that is fatal.
 */
export async function publishExamples(
	api: N8nApi,
	credentials: Record<string, CreatedCredential>,
	options: PublishExamplesOptions = {},
): Promise<PublishedExample[]> {
	const examplesDir = join(repoRoot, 'examples');
	const files = existsSync(examplesDir)
		? (await readdir(examplesDir)).filter((file) => file.endsWith('.json')).sort()
		: [];
	const listing = await api.request('GET', '/api/v1/workflows?limit=250');
	const known = new Map(
		((listing.json as { data?: Array<{ id: string; name: string }> } | undefined)?.data ?? []).map(
			(workflow) => [workflow.name, workflow.id],
		),
	);
	const published: PublishedExample[] = [];
	for (const file of files) {
		const workflow = JSON.parse(await readFile(join(examplesDir, file), 'utf8')) as WorkflowInput;
		const id =
			known.get(workflow.name) ??
			(await api.importWorkflow(options.adapt?.(file, workflow) ?? workflow, { credentials })).id;
		let error: Error | null = null;
		try {
			await api.publishWorkflow(id);
		} catch (failure) {
			error = failure as Error;
		}
		published.push({ file, name: workflow.name, id, error });
	}
	return published;
}
