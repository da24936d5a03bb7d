/**
 * Simple item references: a parameter whose raw value is exactly `={{ $json.a.b }}` (or
 * `$json["a"]`, `$json.a[0]`) names one field of the current item. Reading that field directly
 * costs microseconds; n8n's expression engine (an isolate since n8n 2.x) costs about half a
 * millisecond per parameter and item. The pattern is strict on purpose: whatever it does not
 * recognise, or any value whose result it is not sure n8n would return unchanged, is left to n8n.
 * A false positive would be a correctness bug; a false negative only costs time.
 *
 * What n8n returns was measured against n8n 2.41's engines (legacy, vm, quickjs) in
 * test/node/itemReference.test.ts and test/e2e/itemParameter.test.ts.
 */

/** One step of a reference: a property name, or an array index (`[0]`). */
export type ItemPathSegment = string | number;
export type ItemPath = readonly ItemPathSegment[];

/** What the item holds at a path, when it is certain n8n would return exactly that. */
export interface ItemReading {
	value: string | number | boolean | null | undefined;
}

/**
 * Names n8n's expression sandbox refuses (`Cannot access "…" due to security concerns`) or
 * treats specially, and the names of Object.prototype: never read natively.
 */
const REFUSED_NAMES = new Set([
	'__proto__',
	'prototype',
	'constructor',
	'getPrototypeOf',
	'setPrototypeOf',
	'getOwnPropertyDescriptor',
	'getOwnPropertyDescriptors',
	'defineProperty',
	'defineProperties',
	'mainModule',
	'binding',
	'_linkedBinding',
	'_load',
	'prepareStackTrace',
	'__lookupGetter__',
	'__lookupSetter__',
	'__defineGetter__',
	'__defineSetter__',
	'caller',
	'callee',
	'arguments',
	'getBuiltinModule',
	'dlopen',
	'execve',
	'loadEnvFile',
	'isProxy',
]);

/** Whitespace n8n's template allows between `{{` / `}}` and the code. */
const PADDING = /^[ \t\r\n]*/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*/;
/** `[0]` … `[999999999]`: no leading zeros, no signs, no spaces. */
const INDEX = /^\[(0|[1-9][0-9]{0,8})\]/;
/**
 * `["name"]` / `['name']`: no escapes, no quotes, no braces (they would end the `{{ }}`); control
 * and line-separator characters are refused by `acceptableName`.
 */
const QUOTED = /^\[(["'])([^"'\\{}`]*)\1\]/;
const LONE_SURROGATE = /\p{Cs}/u;
/** n8n rejects every expression containing this, whatever the rest. */
const CONSTRUCTOR_ACCESS = /\.\s*constructor/;

function hasControlCharacter(name: string): boolean {
	for (let k = 0; k < name.length; k++) {
		const code = name.charCodeAt(k);
		if (code < 0x20 || code === 0x7f || code === 0x2028 || code === 0x2029) return true;
	}
	return false;
}

function acceptableName(name: string): boolean {
	return (
		!hasControlCharacter(name) &&
		!REFUSED_NAMES.has(name) &&
		// quickjs answers `toString`, `valueOf`, … with Object.prototype's, even where the item has its own
		!(name in Object.prototype) &&
		!name.startsWith('__') &&
		!LONE_SURROGATE.test(name)
	);
}

/** The code between `={{` and `}}` without its padding, or null when raw is not one expression. */
function expressionCode(raw: unknown): string | null {
	if (typeof raw !== 'string' || !raw.startsWith('={{') || !raw.endsWith('}}')) return null;
	if (CONSTRUCTOR_ACCESS.test(raw)) return null;
	let code = raw.slice(3, -2);
	code = code.slice(PADDING.exec(code)![0].length);
	const trailing = /[ \t\r\n]*$/.exec(code)![0].length;
	return code.slice(0, code.length - trailing);
}

/**
 * Reads one `$json<steps>` from the start of `code`. With `optionalSteps`, every step after the
 * first must be optional (`?.b`, `?.[0]`, `?.["b"]`); without, none may be. Returns the path and
 * the code after it, or null.
 */
function parsePath(
	code: string,
	optionalSteps: boolean,
): { path: ItemPathSegment[]; rest: string } | null {
	if (!code.startsWith('$json')) return null;
	let rest = code.slice('$json'.length);
	const path: ItemPathSegment[] = [];
	while (rest !== '') {
		const optional = rest.startsWith('?.');
		if (optional !== (optionalSteps && path.length > 0)) break;
		if (optional) rest = rest.slice(rest.startsWith('?.[') ? 2 : 1);
		let match: RegExpExecArray | null;
		if (rest.startsWith('.') && (match = IDENTIFIER.exec(rest.slice(1)))) {
			if (!acceptableName(match[0])) return null;
			path.push(match[0]);
			rest = rest.slice(1 + match[0].length);
		} else if ((match = INDEX.exec(rest))) {
			path.push(Number(match[1]));
			rest = rest.slice(match[0].length);
		} else if ((match = QUOTED.exec(rest))) {
			if (!acceptableName(match[2])) return null;
			path.push(match[2]);
			rest = rest.slice(match[0].length);
		} else {
			return null;
		}
	}
	return path.length > 0 ? { path, rest } : null;
}

/**
 * The path of a parameter whose raw value is exactly `={{ $json<segments> }}`, or null for
 * anything else (text around the braces, two expressions, operators, calls, optional chaining,
 * other variables, unusual spacing or names).
 */
export function parseItemReference(raw: unknown): ItemPath | null {
	const code = expressionCode(raw);
	if (code === null) return null;
	const parsed = parsePath(code, false);
	return parsed && parsed.rest === '' ? parsed.path : null;
}

/**
 * The paths of a parameter whose raw value is exactly a chain of fallbacks,
 * `={{ $json.a?.b || $json.c || … }}`, like the Contact field's default
 * `{{ $json.contact?.waId || $json.contact?.userId || $json.recipient?.waId }}`: references
 * joined by `||` (or one alone), every step after each reference's first one optional (`?.`). A plain
 * step through a missing value would make n8n's whole expression undefined instead of going on to
 * the next fallback, so chains with plain inner steps are left to n8n.
 */
function parseItemFallbacks(raw: unknown): ItemPath[] | null {
	const code = expressionCode(raw);
	if (code === null) return null;
	const paths: ItemPath[] = [];
	let rest = code;
	for (;;) {
		const parsed = parsePath(rest, true);
		if (!parsed) return null;
		paths.push(parsed.path);
		rest = parsed.rest;
		if (rest === '') break;
		const joint = /^[ \t]*\|\|[ \t]*/.exec(rest);
		if (!joint) return null;
		rest = rest.slice(joint[0].length);
	}
	return paths;
}

/**
 * A parameter the core can read from the item: one reference, or a chain of fallbacks (one path
 * per fallback); null for anything n8n must evaluate.
 */
export function parseItemExpression(raw: unknown): ItemPath[] | null {
	const path = parseItemReference(raw);
	return path ? [path] : parseItemFallbacks(raw);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
	const prototype = Object.getPrototypeOf(value) as unknown;
	return prototype === Object.prototype || prototype === null;
}

function isPlainArray(value: unknown): value is unknown[] {
	return Array.isArray(value) && Object.getPrototypeOf(value) === Array.prototype;
}

/**
 * What `{{ $json<path> }}` gives for an item's json, or null when n8n should be asked instead:
 * a step through anything but a plain object or array (a string's `.length`, a Date, a class
 * instance), a name the object inherits (`toString`), a getter, a name on an array, and results
 * that are objects or arrays (n8n returns copies and post-processes dates in them) or strings
 * with lone surrogates. A missing field, also in the middle of the path (`a` missing or null in
 * `a.b`), is `undefined`, as in n8n.
 */
export function readItemReference(json: unknown, path: ItemPath): ItemReading | null {
	if (!isPlainObject(json)) return null;
	let current: unknown = json;
	for (const segment of path) {
		if (current === undefined || current === null) return { value: undefined };
		if (isPlainArray(current)) {
			if (typeof segment !== 'number') return null;
			const slot = Object.getOwnPropertyDescriptor(current, segment);
			if (slot && !('value' in slot)) return null;
			current = slot?.value;
		} else if (isPlainObject(current)) {
			const key = String(segment);
			const own = Object.getOwnPropertyDescriptor(current, key);
			if (own) {
				if (!('value' in own)) return null;
				current = own.value;
			} else if (key in current) {
				return null;
			} else {
				current = undefined;
			}
		} else {
			return null;
		}
	}
	switch (typeof current) {
		case 'undefined':
		case 'boolean':
		case 'number':
			return { value: current };
		case 'string':
			return LONE_SURROGATE.test(current) ? null : { value: current };
		case 'object':
			return current === null ? { value: null } : null;
		default:
			return null;
	}
}

/**
 * What `{{ A || B || … }}` gives for an item's json, as JavaScript's `||` does: the first truthy
 * reading, else the last one. null (ask n8n) as soon as a reading it would need is not certain.
 */
export function readItemExpression(json: unknown, paths: readonly ItemPath[]): ItemReading | null {
	let reading: ItemReading | null = null;
	for (const path of paths) {
		reading = readItemReference(json, path);
		if (reading === null || reading.value) return reading;
	}
	return reading;
}
