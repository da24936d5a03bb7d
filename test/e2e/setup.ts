import { stopAllN8n } from '../../scripts/harness';

// Each n8n boot takes seconds (a fresh database runs its migrations); queue mode boots four processes.
jest.setTimeout(300_000);

// A test file that fails before its own afterAll (or forgets it) must not leave n8n running.
afterAll(async () => {
	const leftOver = await stopAllN8n();
	if (leftOver > 0) console.warn(`stopped ${leftOver} n8n instance(s) this test file left running`);
});
