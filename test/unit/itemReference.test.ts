import {
	parseItemExpression,
	parseItemReference,
	readItemExpression,
	readItemReference,
} from '../../lib/core/itemReference';

describe('parseItemReference', () => {
	it.each([
		['={{ $json.phone }}', ['phone']],
		['={{$json.phone}}', ['phone']],
		['={{  $json.contact.waId  }}', ['contact', 'waId']],
		['={{\n\t$json.a.b\n}}', ['a', 'b']],
		['={{ $json["first name"] }}', ['first name']],
		["={{ $json['Straße'] }}", ['Straße']],
		['={{ $json["emoji😀"].x }}', ['emoji😀', 'x']],
		['={{ $json.rows[0].value }}', ['rows', 0, 'value']],
		['={{ $json.matrix[10][2] }}', ['matrix', 10, 2]],
		['={{ $json[0] }}', [0]],
		['={{ $json._private.A1 }}', ['_private', 'A1']],
		['={{ $json[""] }}', ['']],
		['={{ $json.length }}', ['length']],
	])('reads %j as the path %j', (raw, path) => {
		expect(parseItemReference(raw)).toEqual(path);
	});

	it.each([
		// not an expression, or not exactly one {{ }}
		['{{ $json.phone }}', 'no leading ='],
		['$json.phone', 'no braces'],
		['= {{ $json.phone }}', 'text before the braces'],
		['={{ $json.phone }} ', 'text after the braces'],
		['={{ $json.phone }}\n', 'a newline after the braces'],
		['=+{{ $json.phone }}', 'text before the braces'],
		['={{ $json.a }}{{ $json.b }}', 'two expressions'],
		['={{ $json.a }} {{ $json.b }}', 'two expressions with text'],
		['={{{ $json.a }}', 'a third brace'],
		['={{ $json.a }}}', 'a third brace'],
		['={{ }}', 'empty'],
		['={{ $json }}', 'the whole item'],
		// other variables and shapes
		["={{ $('Trigger').item.json.phone }}", 'another node'],
		['={{ $item(0).$node.x.json.a }}', '$item'],
		['={{ $input.item.json.a }}', '$input'],
		['={{ $node["Trigger"].json.a }}', '$node'],
		['={{ $jsonx.a }}', 'a longer variable name'],
		['={{ $json2.a }}', 'a longer variable name'],
		['={{ json.a }}', 'no $'],
		['={{ $binary.data }}', '$binary'],
		// operators, calls, optional chaining
		["={{ $json.a || 'x' }}", 'an operator'],
		['={{ $json.a ?? $json.b }}', 'an operator'],
		['={{ $json.a + 1 }}', 'arithmetic'],
		['={{ $json.a?.b }}', 'optional chaining'],
		['={{ $json?.a }}', 'optional chaining'],
		['={{ $json.a.toUpperCase() }}', 'a method call'],
		['={{ $json.a() }}', 'a call'],
		['={{ $json.a; $json.b }}', 'two statements'],
		['={{ $json.a, $json.b }}', 'a sequence'],
		['={{ ($json.a) }}', 'parentheses'],
		['={{ !$json.a }}', 'negation'],
		['={{ $json.a = 1 }}', 'assignment'],
		['={{ $json[a] }}', 'a computed key'],
		['={{ $json[$json.k] }}', 'a computed key'],
		['={{ $json[`a`] }}', 'a template literal key'],
		// odd spacing and spelling
		['={{ $json . a }}', 'spaces around the dot'],
		['={{ $json.a .b }}', 'a space inside the path'],
		['={{ $json[ 0 ] }}', 'spaces inside brackets'],
		['={{ $json[ "a" ] }}', 'spaces inside brackets'],
		['={{ $json[01] }}', 'a leading zero'],
		['={{ $json[-1] }}', 'a negative index'],
		['={{ $json[1.5] }}', 'a fraction'],
		['={{ $json[1e3] }}', 'an exponent'],
		['={{ $json[0x1] }}', 'hex'],
		['={{ $json[1234567890] }}', 'an index of ten digits'],
		['={{ $json.1a }}', 'a name starting with a digit'],
		['={{ $json.a- }}', 'a trailing character'],
		['={{ $json. }}', 'an empty name'],
		['={{ $json.. }}', 'two dots'],
		['={{ $json.$a }}', 'a $ in a name'],
		['={{ $json.Straße }}', 'a non-ASCII name without quotes'],
		['={{ $json.a\u00a0}}', 'a no-break space'],
		['={{ $json["a\\"b"] }}', 'an escape'],
		['={{ $json["a\\u0062"] }}', 'an escape'],
		['={{ $json["a\'] }}', 'mismatched quotes'],
		['={{ $json["a}}"] }}', 'braces in a key'],
		['={{ $json["a{"] }}', 'braces in a key'],
		['={{ $json["a\nb"] }}', 'a line break in a key'],
		['={{ $json["a\u2028b"] }}', 'a line separator in a key'],
		['={{ $json["\ud800"] }}', 'a lone surrogate in a key'],
		['={{ $json.a /* c */ }}', 'a comment'],
		// names n8n refuses or answers differently
		['={{ $json.constructor }}', 'constructor'],
		['={{ $json.constructorName }}', 'n8n refuses any ".constructor…"'],
		['={{ $json["x.constructor"] }}', 'n8n refuses ".constructor" anywhere in the text'],
		['={{ $json.__proto__ }}', '__proto__'],
		['={{ $json.prototype }}', 'prototype'],
		['={{ $json["__proto__"] }}', '__proto__ quoted'],
		['={{ $json.__sanitize }}', "n8n's own variable"],
		['={{ $json.___n8n_data }}', "n8n's own variable"],
		['={{ $json.mainModule }}', 'refused by the sandbox'],
		['={{ $json.a.binding }}', 'refused by the sandbox'],
		['={{ $json.caller }}', 'refused by the sandbox'],
		['={{ $json.toString }}', 'a name of Object.prototype'],
		['={{ $json["valueOf"] }}', 'a name of Object.prototype'],
		['={{ $json.hasOwnProperty }}', 'a name of Object.prototype'],
		['={{ $json.isProxy }}', "the data proxy's marker"],
	])('leaves %j to n8n (%s)', (raw) => {
		expect(parseItemReference(raw)).toBeNull();
	});

	it('leaves values that are not strings to n8n', () => {
		for (const raw of [undefined, null, 1, true, {}, ['={{ $json.a }}']]) {
			expect(parseItemReference(raw)).toBeNull();
		}
	});
});

describe('readItemReference', () => {
	const date = new Date('2024-05-01T10:00:00Z');
	class Customer {
		name = 'Ada';
	}
	const json = {
		phone: '+4915112345678',
		count: 3,
		negativeZero: -0,
		flag: false,
		nothing: null,
		undefinedField: undefined,
		text: 'Grüße 😀',
		broken: 'a\ud800b',
		contact: { waId: '4915112345678', name: null },
		rows: [{ value: 'first' }, 'second', [1, 2]],
		sparse: Object.assign(new Array<unknown>(2), { 1: 'x' }),
		when: date,
		customer: new Customer(),
		bare: Object.assign(Object.create(null), { a: 'bare' }) as Record<string, unknown>,
		'0': 'zero key',
	};
	Object.defineProperty(json, 'computed', { enumerable: true, get: () => 'getter' });

	it.each([
		[['phone'], '+4915112345678'],
		[['count'], 3],
		[['flag'], false],
		[['nothing'], null],
		[['undefinedField'], undefined],
		[['text'], 'Grüße 😀'],
		[['contact', 'waId'], '4915112345678'],
		[['contact', 'name'], null],
		[['rows', 0, 'value'], 'first'],
		[['rows', 1], 'second'],
		[['rows', 2, 1], 2],
		[['rows', 7], undefined],
		[['sparse', 0], undefined],
		[['bare', 'a'], 'bare'],
		[[0], 'zero key'],
		[['0'], 'zero key'],
		// missing, also in the middle of the path
		[['missing'], undefined],
		[['missing', 'deeper', 'still'], undefined],
		[['nothing', 'a'], undefined],
		[['undefinedField', 0], undefined],
		[['contact', 'missing'], undefined],
		[['contact', 'name', 'first'], undefined],
	])('reads %j as %p', (path, value) => {
		expect(readItemReference(json, path)).toEqual({ value });
	});

	it('keeps -0 as -0', () => {
		expect(Object.is(readItemReference(json, ['negativeZero'])?.value, -0)).toBe(true);
	});

	it.each([
		[['contact'], 'an object'],
		[['rows'], 'an array'],
		[['rows', 2], 'an array inside an array'],
		[['when'], 'a Date'],
		[['when', 'getTime'], 'a step into a Date'],
		[['customer'], 'a class instance'],
		[['customer', 'name'], 'a step into a class instance'],
		[['phone', 'length'], 'a step into a string'],
		[['phone', 0], 'an index into a string'],
		[['count', 'x'], 'a step into a number'],
		[['flag', 'x'], 'a step into a boolean'],
		[['rows', 'length'], 'a name on an array'],
		[['rows', 'first'], 'a name on an array'],
		[['toString'], 'an inherited name'],
		[['contact', 'hasOwnProperty'], 'an inherited name'],
		[['computed'], 'a getter'],
		[['broken'], 'a string with a lone surrogate'],
	])('asks n8n for %j (%s)', (path) => {
		expect(readItemReference(json, path)).toBeNull();
	});

	it('asks n8n when the item itself is not a plain object', () => {
		expect(readItemReference(null, ['a'])).toBeNull();
		expect(readItemReference([{ a: 1 }], [0])).toBeNull();
		expect(readItemReference('text', ['length'])).toBeNull();
		expect(readItemReference(new Customer(), ['name'])).toBeNull();
	});

	it('answers only primitive values: bigint and functions go to n8n', () => {
		expect(readItemReference({ a: BigInt(1) }, ['a'])).toBeNull();
		expect(readItemReference({ a: () => 1 }, ['a'])).toBeNull();
	});
});

const CONTACT_DEFAULT =
	'={{ $json.contact?.waId || $json.contact?.userId || $json.recipient?.waId }}';

describe('parseItemExpression: one reference or a chain of fallbacks', () => {
	it.each([
		['={{ $json.phone }}', [['phone']]],
		[CONTACT_DEFAULT, [['contact', 'waId'], ['contact', 'userId'], ['recipient', 'waId']]],
		['={{ $json.a?.b }}', [['a', 'b']]],
		['={{$json.a||$json.b}}', [['a'], ['b']]],
		['={{ $json.rows?.[0]?.["id"] || $json.id }}', [['rows', 0, 'id'], ['id']]],
		["={{ $json['first name'] || $json.name }}", [['first name'], ['name']]],
	])('reads %j as the paths %j', (raw, paths) => {
		expect(parseItemExpression(raw)).toEqual(paths);
	});

	it.each([
		['={{ $json.a.b || $json.c }}', 'a plain inner step: n8n gives up on the whole chain'],
		['={{ $json.a || $json.c.d }}', 'a plain inner step in a later fallback'],
		['={{ $json?.a || $json.b }}', 'an optional first step'],
		['={{ $json.a || }}', 'nothing after ||'],
		['={{ || $json.a }}', 'nothing before ||'],
		['={{ $json.a | $json.b }}', 'a bitwise or'],
		['={{ $json.a ?? $json.b }}', 'another operator'],
		['={{ $json.a || "none" }}', 'a literal fallback'],
		['={{ $json.a || $node.x }}', 'another variable'],
		['={{ $json.a ||\n$json.b }}', 'a line break around ||'],
		['={{ $json.a?.toString || $json.b }}', 'a name of Object.prototype'],
		['={{ $json.a?.constructor || $json.b }}', 'constructor access'],
		['={{ $json.a || $json.b }}x', 'text after the braces'],
	])('leaves %j to n8n (%s)', (raw) => {
		expect(parseItemExpression(raw)).toBeNull();
	});
});

describe('readItemExpression: what || gives', () => {
	const paths = parseItemExpression(CONTACT_DEFAULT)!;
	it.each([
		[{ contact: { waId: '4915112345678' } }, '4915112345678'],
		[{ contact: { waId: '', userId: 'US.1349' } }, 'US.1349'],
		[{ contact: null, recipient: { waId: '4917' } }, '4917'],
		[{ contact: { waId: 0 }, recipient: { waId: '' } }, ''],
		[{ contact: { waId: false } }, undefined],
		[{}, undefined],
	])('%j → %j', (json, value) => {
		expect(readItemExpression(json, paths)).toEqual({ value });
	});

	it('stops at the first truthy fallback, even when a later one could not be read natively', () => {
		expect(readItemExpression({ contact: { waId: '49' }, recipient: 'text' }, paths)).toEqual({
			value: '49',
		});
	});

	it('asks n8n when a fallback it needs is not certain (an object, a step through a string)', () => {
		expect(readItemExpression({ contact: { waId: { id: 1 } } }, paths)).toBeNull();
		expect(readItemExpression({ contact: 'text' }, paths)).toBeNull();
		expect(readItemExpression({ contact: {}, recipient: 'text' }, paths)).toBeNull();
	});
});
