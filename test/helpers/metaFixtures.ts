import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Meta's published examples (MIT), copied into the repository: see test/fixtures/meta/README.md. */
export const META_FIXTURES = resolve(__dirname, '../fixtures/meta');

export function metaFixture<T = any>(relativePath: string): T {
	return JSON.parse(readFileSync(join(META_FIXTURES, relativePath), 'utf8')) as T;
}

/** Every example in one folder, as [file name, parsed JSON]. */
export function metaFixtures<T = any>(folder: string): Array<[string, T]> {
	return readdirSync(join(META_FIXTURES, folder))
		.filter((name) => name.endsWith('.json'))
		.sort()
		.map((name) => [name, metaFixture<T>(join(folder, name))]);
}

/**
 * The structure of a JSON value: object keys with the shapes of their values, array element
 * shapes, and primitive type names. Two payloads with the same shape differ only in values.
 */
export function shapeOf(value: unknown): unknown {
	if (Array.isArray(value)) return value.length === 0 ? [] : [shapeOf(value[0])];
	if (value !== null && typeof value === 'object') {
		return Object.fromEntries(
			Object.keys(value as object)
				.sort()
				.map((key) => [key, shapeOf((value as Record<string, unknown>)[key])]),
		);
	}
	return value === null ? 'null' : typeof value;
}
