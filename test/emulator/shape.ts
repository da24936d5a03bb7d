/** The JSON shape of a value: every path with its type, array items merged ("a.b[].c: string"). */
export function shapeOf(value: unknown, path = '$', into = new Set<string>()): Set<string> {
	if (Array.isArray(value)) {
		into.add(`${path}: array`);
		value.forEach((item) => shapeOf(item, `${path}[]`, into));
	} else if (value !== null && typeof value === 'object') {
		into.add(`${path}: object`);
		for (const [key, child] of Object.entries(value)) shapeOf(child, `${path}.${key}`, into);
	} else {
		into.add(`${path}: ${value === null ? 'null' : typeof value}`);
	}
	return into;
}

/** Paths of `expected` that `actual` lacks or has with another type. */
export function missingShape(expected: unknown, actual: unknown): string[] {
	const have = shapeOf(actual);
	return [...shapeOf(expected)].filter((entry) => !have.has(entry));
}
