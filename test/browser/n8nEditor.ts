import type { Page } from 'playwright-core';

/**
 * n8n's editor as a user meets it, for browser tests: sign in, then open a workflow by name.
 * Names, test ids and REST shapes are those of the pinned n8n (2.41).
 */

interface Credentials {
	email: string;
	password: string;
}

interface WorkflowListing {
	count: number;
	data: Array<{ id: string; name: string }>;
}

/** Signs in through the sign-in page and waits until n8n has left it (it lands on an onboarding page). */
export async function signInToN8n(page: Page, n8nUrl: string, owner: Credentials): Promise<void> {
	await page.goto(`${n8nUrl}/signin`);
	await page.getByLabel(/email/i).fill(owner.email);
	await page.getByLabel(/password/i).fill(owner.password);
	await page.getByRole('button', { name: /sign in/i }).click();
	await page.waitForURL((url) => !url.pathname.startsWith('/signin'));
}

/**
 * The id of the workflow called `name`, asked of n8n's REST API with the page's session. The session
 * cookie is bound to the browser id the editor keeps in localStorage and sends as `browser-id`.
 */
export async function findWorkflowId(page: Page, n8nUrl: string, name: string): Promise<string> {
	const browserId = await page.evaluate(() => localStorage.getItem('n8n-browserId'));
	if (!browserId)
		throw new Error('n8n set no n8n-browserId in localStorage: is the page signed in to n8n?');
	const response = await page.request.get(`${n8nUrl}/rest/workflows`, {
		headers: { 'browser-id': browserId },
	});
	if (!response.ok())
		throw new Error(`GET /rest/workflows answered ${response.status()}: ${await response.text()}`);
	const listing = (await response.json()) as WorkflowListing;
	const workflow = listing.data.find((candidate) => candidate.name === name);
	if (!workflow)
		throw new Error(
			`n8n has no workflow named "${name}"; it has: ${listing.data.map((w) => `"${w.name}"`).join(', ')}`,
		);
	return workflow.id;
}

/**
 * Opens the workflow's canvas and waits for its nodes. A published workflow opens with the
 * "Production Checklist" popover over the canvas; it is dismissed so that the canvas shows whole.
 */
export async function openWorkflowCanvas(page: Page, n8nUrl: string, id: string): Promise<void> {
	await page.goto(`${n8nUrl}/workflow/${id}`);
	await page.locator('[data-test-id="canvas-node"]').first().waitFor();
	const checklist = page.getByRole('dialog').filter({ hasText: 'Production Checklist' });
	// It appears just after the nodes (on every visit in 2.41); when it does not, there is nothing to dismiss.
	const shown = await checklist.waitFor({ timeout: 15_000 }).then(
		() => true,
		() => false,
	);
	if (shown) {
		await page.keyboard.press('Escape');
		await checklist.waitFor({ state: 'hidden' });
	}
}
