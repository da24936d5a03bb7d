/**
 * Compares the native reading of simple item references with one of n8n's expression engines, in
 * a process of its own: the quickjs engine is loaded by a dynamic import, which jest's module
 * sandbox refuses, and the vm engine needs isolated-vm, which is built for Node 24 only.
 *
 *   node --import tsx test/tools/compareEngines.ts <legacy|quickjs|vm> <items> <references> <seed>
 *
 * Prints the comparison (test/helpers/itemReferenceCases.ts) as one line of JSON.
 */
import { Expression } from 'n8n-workflow';

import {
	compareReadings,
	generateItems,
	generateReferences,
	n8nEvaluation,
} from '../helpers/itemReferenceCases';

async function main(): Promise<void> {
	const [engine, itemCount, referenceCount, seed] = process.argv.slice(2);
	if (engine !== 'legacy' && engine !== 'quickjs' && engine !== 'vm') {
		throw new Error(`unknown engine "${engine}": legacy, quickjs or vm`);
	}
	await Expression.initExpressionEngine({
		engine,
		bridgeTimeout: 5000,
		bridgeMemoryLimit: 128,
		poolSize: 1,
		maxCodeCacheSize: 1024,
	});
	if (Expression.getActiveImplementation() !== engine) {
		throw new Error(`n8n runs the ${Expression.getActiveImplementation()} engine, not ${engine}`);
	}
	const items = generateItems(Number(itemCount), Number(seed));
	const references = generateReferences(Number(referenceCount), Number(seed) + 1);
	const { evaluate, withIsolate } = n8nEvaluation();
	const result = await withIsolate(async () => compareReadings(references, items, evaluate));
	await Expression.disposeExpressionEngine();
	process.stdout.write(`${JSON.stringify({ engine, ...result })}\n`);
}

main().catch((error: unknown) => {
	process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
	process.exit(1);
});
