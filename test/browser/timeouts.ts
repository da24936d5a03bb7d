// A browser start takes a few seconds; the sandbox test also boots n8n (its own timeouts inside).
jest.setTimeout(120_000);
