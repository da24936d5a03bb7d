/** The account the harness signs in with; n8n requires an owner before its API can be used. */
export interface OwnerAccount {
	email: string;
	password: string;
	firstName: string;
	lastName: string;
}

export const defaultOwner: OwnerAccount = {
	email: 'owner@e2e.example.com',
	// A throwaway account of a loopback-only test instance, fixed so a developer can sign in to look.
	// eslint-disable-next-line @n8n/community-nodes/no-hardcoded-secrets
	password: 'E2e-Owner-Password-1',
	firstName: 'E2E',
	lastName: 'Owner',
};

export interface CredentialInput {
	name: string;
	/** Credential type name, e.g. `whatsAppCloudApi`. */
	type: string;
	data: Record<string, unknown>;
}

export interface CreatedCredential {
	id: string;
	name: string;
	type: string;
}

/** A workflow as exported by n8n (examples/*.json); fields the public API refuses are dropped on import. */
export interface WorkflowInput {
	name: string;
	nodes: WorkflowNode[];
	connections: Record<string, unknown>;
	settings?: Record<string, unknown>;
	staticData?: unknown;
	[key: string]: unknown;
}

export interface WorkflowNode {
	name: string;
	type: string;
	credentials?: Record<string, { id?: string; name: string }>;
	[key: string]: unknown;
}

export interface ImportWorkflowOptions {
	/** Points every node's credential slot of a type (the key) at this credential. */
	credentials?: Record<string, CreatedCredential>;
}

export interface RunWorkflowOptions {
	/** The trigger node to start from; default: the workflow's first manual trigger. */
	triggerNode?: string;
	/** How long to wait for the execution to finish or wait (default 60 s). */
	timeoutMs?: number;
}

export type ExecutionStatus =
	'canceled' | 'crashed' | 'error' | 'new' | 'running' | 'success' | 'unknown' | 'waiting';

export interface Execution {
	id: string;
	workflowId: string;
	status: ExecutionStatus;
	mode: string;
	finished: boolean;
	startedAt: string;
	stoppedAt: string | null;
	waitTill: string | null;
	/** Present when asked for with `includeData`. */
	data?: { resultData: { runData: Record<string, unknown[]>; error?: unknown } };
}

export interface ExecutionQuery {
	workflowId?: string;
	status?: ExecutionStatus;
	includeData?: boolean;
}

export interface LoadedTypes {
	nodes: string[];
	credentials: string[];
}

export interface HttpReply {
	status: number;
	headers: Headers;
	text: string;
	/** The body parsed as JSON, or undefined when it is not JSON. */
	json: unknown;
}

interface PublicationStatus {
	status: 'in_progress' | 'not_published' | 'published' | 'partial' | 'failed';
	liveVersionId: string | null;
	triggers: Array<{ nodeId: string; status: string; errorMessage: string | null }>;
}

const workflowFieldsAccepted = ['name', 'nodes', 'connections', 'settings', 'staticData'];

/** n8n's REST API (session cookie) and public API (API key), as the owner. */
export class N8nApi {
	private cookie = '';
	private apiKey = '';

	constructor(readonly baseUrl: string) {}

	/** Creates the owner on a fresh instance, or logs in on one that already has it. */
	async signIn(owner: OwnerAccount): Promise<void> {
		const setup = await this.request('POST', '/rest/owner/setup', owner);
		if (setup.status === 200) {
			this.keepCookie(setup);
		} else {
			const login = await this.request('POST', '/rest/login', {
				emailOrLdapLoginId: owner.email,
				password: owner.password,
			});
			if (login.status !== 200) {
				throw new Error(
					`n8n at ${this.baseUrl} refused owner setup (${setup.status}: ${setup.text}) and login of ` +
						`${owner.email} (${login.status}: ${login.text}): a persistent user folder needs the owner it was created with`,
				);
			}
			this.keepCookie(login);
		}
		await this.createApiKey();
	}

	/** Node and credential type names n8n has loaded (what its editor offers). */
	async loadedTypes(): Promise<LoadedTypes> {
		const nodes = await this.expect<Array<{ name: string }>>(
			'GET',
			'/types/nodes.json',
			undefined,
			200,
		);
		const credentials = await this.expect<Array<{ name: string }>>(
			'GET',
			'/types/credentials.json',
			undefined,
			200,
		);
		return { nodes: nodes.map((n) => n.name), credentials: credentials.map((c) => c.name) };
	}

	async createCredential(credential: CredentialInput): Promise<CreatedCredential> {
		return await this.expect<CreatedCredential>('POST', '/api/v1/credentials', credential, 200);
	}

	async importWorkflow(
		workflow: WorkflowInput,
		options: ImportWorkflowOptions = {},
	): Promise<{ id: string; name: string }> {
		const accepted = Object.fromEntries(
			Object.entries(workflow).filter(([key]) => workflowFieldsAccepted.includes(key)),
		);
		const nodes = workflow.nodes.map((node) => withCredentials(node, options.credentials ?? {}));
		return await this.expect<{ id: string; name: string }>(
			'POST',
			'/api/v1/workflows',
			{ settings: {}, ...accepted, nodes },
			200,
		);
	}

	/**
	 * Publishes (2.x's "activate") the workflow's latest version and waits until its triggers listen:
	 * n8n 2.41 applies a publication asynchronously, through an outbox, after the call returns.
	 * Before 2.41 that outbox is off by default (N8N_USE_WORKFLOW_PUBLICATION_SERVICE): the call
	 * itself activates the triggers, answers 400 when one fails, and there is no status to read.
	 */
	async publishWorkflow(id: string, timeoutMs = 60_000): Promise<void> {
		const workflowPath = `/workflows/${encodeURIComponent(id)}`;
		const published = await this.expect<{ versionId: string }>(
			'POST',
			`/api/v1${workflowPath}/publish`,
			{},
			200,
		);
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const reply = await this.request('GET', `/rest${workflowPath}/publication-status`);
			if (reply.status === 404 && reply.text.includes('publication status is not available')) {
				return;
			}
			if (reply.status !== 200) {
				throw new Error(
					`GET /rest${workflowPath}/publication-status on n8n answered ${reply.status}, expected 200: ${reply.text}`,
				);
			}
			const { data } = reply.json as { data: PublicationStatus };
			if (data.status === 'published' && data.liveVersionId === published.versionId) return;
			if (data.status === 'failed' || data.status === 'partial') {
				const reasons = data.triggers.map(
					(t) => `${t.nodeId}: ${t.status} ${t.errorMessage ?? ''}`,
				);
				throw new Error(`publishing workflow ${id} failed: ${reasons.join('; ')}`);
			}
			if (Date.now() > deadline) {
				throw new Error(
					`workflow ${id} was not live ${timeoutMs / 1000} s after publishing (${data.status})`,
				);
			}
			await new Promise((resolve) => setTimeout(resolve, 200));
		}
	}

	async unpublishWorkflow(id: string): Promise<void> {
		await this.expect('POST', `/api/v1/workflows/${encodeURIComponent(id)}/unpublish`, {}, 200);
	}

	/**
	 * Runs a workflow as the editor's "Execute workflow" button does, from its manual trigger (the
	 * first one unless named), and returns the execution once it has finished or is waiting.
	 */
	async runWorkflow(id: string, options: RunWorkflowOptions = {}): Promise<Execution> {
		const workflow = await this.expect<{ nodes: WorkflowNode[] }>(
			'GET',
			`/api/v1/workflows/${encodeURIComponent(id)}`,
			undefined,
			200,
		);
		const trigger =
			options.triggerNode ??
			workflow.nodes.find((node) => node.type === 'n8n-nodes-base.manualTrigger')?.name;
		if (!trigger) {
			throw new Error(
				`workflow ${id} has no manual trigger: name the trigger to start from in options.triggerNode`,
			);
		}
		const started = await this.expect<{ data: { executionId: string } }>(
			'POST',
			`/rest/workflows/${encodeURIComponent(id)}/run`,
			{ triggerToStartFrom: { name: trigger } },
			200,
		);
		const { executionId } = started.data;
		const timeoutMs = options.timeoutMs ?? 60_000;
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const execution = await this.getExecution(executionId);
			if (!['new', 'running'].includes(execution.status)) return execution;
			if (Date.now() > deadline) {
				throw new Error(
					`execution ${executionId} of workflow ${id} still ${execution.status} after ${timeoutMs / 1000} s`,
				);
			}
			await new Promise((resolve) => setTimeout(resolve, 200));
		}
	}

	/** Executions, newest first (at most 250: the public API's page limit). */
	async listExecutions(query: ExecutionQuery = {}): Promise<Execution[]> {
		const search = new URLSearchParams({ limit: '250' });
		if (query.workflowId) search.set('workflowId', query.workflowId);
		if (query.status) search.set('status', query.status);
		if (query.includeData) search.set('includeData', 'true');
		const page = await this.expect<{ data: Execution[] }>(
			'GET',
			`/api/v1/executions?${search.toString()}`,
			undefined,
			200,
		);
		return page.data;
	}

	async getExecution(id: string): Promise<Execution> {
		return await this.expect<Execution>(
			'GET',
			`/api/v1/executions/${encodeURIComponent(id)}?includeData=true`,
			undefined,
			200,
		);
	}

	/** Any HTTP call to this n8n, authenticated as the owner; nothing is thrown for a non-2xx status. */
	async request(method: string, path: string, body?: unknown): Promise<HttpReply> {
		const headers: Record<string, string> = { accept: 'application/json' };
		if (body !== undefined) headers['content-type'] = 'application/json';
		if (this.cookie) headers.cookie = this.cookie;
		if (this.apiKey && path.startsWith('/api/')) headers['x-n8n-api-key'] = this.apiKey;
		const response = await fetch(new URL(path, this.baseUrl), {
			method,
			headers,
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		return await toReply(response);
	}

	private async expect<T>(method: string, path: string, body: unknown, status: number): Promise<T> {
		const reply = await this.request(method, path, body);
		if (reply.status !== status) {
			throw new Error(
				`${method} ${path} on n8n answered ${reply.status}, expected ${status}: ${reply.text}`,
			);
		}
		return reply.json as T;
	}

	private keepCookie(reply: HttpReply): void {
		const authCookie = reply.headers
			.getSetCookie()
			.map((cookie) => cookie.split(';')[0])
			.find((pair) => pair.startsWith('n8n-auth='));
		if (!authCookie) throw new Error(`n8n at ${this.baseUrl} signed in without an n8n-auth cookie`);
		this.cookie = authCookie;
	}

	private async createApiKey(): Promise<void> {
		const scopes = await this.expect<{ data: string[] }>(
			'GET',
			'/rest/api-keys/scopes',
			undefined,
			200,
		);
		const created = await this.expect<{ data: { rawApiKey: string } }>(
			'POST',
			'/rest/api-keys',
			{ label: `e2e harness ${Date.now()}`, scopes: scopes.data, expiresAt: null },
			200,
		);
		this.apiKey = created.data.rawApiKey;
	}
}

export async function toReply(response: Response): Promise<HttpReply> {
	const text = await response.text();
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch {
		json = undefined;
	}
	return { status: response.status, headers: response.headers, text, json };
}

function withCredentials(
	node: WorkflowNode,
	credentials: Record<string, CreatedCredential>,
): WorkflowNode {
	if (!node.credentials) return node;
	const slots = Object.fromEntries(
		Object.entries(node.credentials).map(([type, current]) => {
			const replacement = credentials[type];
			return [type, replacement ? { id: replacement.id, name: replacement.name } : current];
		}),
	);
	return { ...node, credentials: slots };
}
