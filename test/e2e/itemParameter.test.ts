/**
 * The fast path for simple item references (nodes/helpers/itemParameter.ts, as built into dist/)
 * against n8n-core's own getNodeParameter in the pinned n8n runtime, with n8n 2.41's default
 * expression engine (vm: an isolate; isolated-vm needs the runtime's Node 24) and the legacy one.
 * The comparison runs in a process of the runtime's Node (test/tools/n8nCoreParameters.ts): the
 * package's send node (Send Template with the variable mapper, Send Buttons), Consent Gate, AI
 * Reply (its defaults), Consent Gate with its Contact default and Follow-up Wait on 300 generated items, and 60 generated references on
 * a bare string parameter.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ensureRuntime } from '../../scripts/harness';
import { repoRoot } from '../../scripts/harness/paths';

interface Result {
	compared: number;
	native: number;
	mismatches: string[];
}

describe.each(['vm', 'legacy'])('readItemParameter with the %s engine', (engine) => {
	let userFolder: string;

	beforeAll(async () => {
		userFolder = await mkdtemp(join(tmpdir(), 'item-parameter-'));
	});

	afterAll(async () => {
		await rm(userFolder, { recursive: true, force: true });
	});

	it('answers every read as n8n-core does, most simple references from the item', async () => {
		const runtime = await ensureRuntime();
		const child = spawnSync(
			runtime.nodeBinary,
			['--import', 'tsx', 'test/tools/n8nCoreParameters.ts', runtime.dir, engine, '300', '5'],
			{
				cwd: repoRoot,
				encoding: 'utf8',
				env: { ...process.env, N8N_USER_FOLDER: userFolder },
				timeout: 240_000,
			},
		);
		if (child.status !== 0) throw new Error(`n8nCoreParameters failed: ${child.stderr}`);
		const output = JSON.parse(child.stdout) as { engine: string; results: Record<string, Result> };
		expect(output.engine).toBe(engine);
		expect(Object.keys(output.results).sort()).toEqual([
			'AI Reply defaults',
			'Consent Gate Check',
			'Consent Gate defaults',
			'Follow-up Wait',
			'Send Buttons',
			'Send Template',
			'references',
		]);
		for (const [name, result] of Object.entries(output.results)) {
			expect({ name, mismatches: result.mismatches }).toEqual({ name, mismatches: [] });
			expect(result.compared).toBeGreaterThanOrEqual(300);
		}
		const { references, ...scenarios } = output.results;
		// The generated references are answered natively wherever the core can (most items).
		expect(references.native).toBeGreaterThan(references.compared * 0.8);
		// Each node reads at least one parameter from the item for most items: Consent Gate's
		// Contact (purpose and policy are constants n8n answers cheaply), Send Template's recipient
		// and variables, AI Reply's default Customer Identifier and Message, …
		for (const [name, result] of Object.entries(scenarios)) {
			expect({ name, native: result.native > result.compared / 4 }).toEqual({ name, native: true });
		}
	});
});
