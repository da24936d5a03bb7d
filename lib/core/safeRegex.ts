/**
 * Regular expressions written by a workflow author run on customers' messages, on n8n's main
 * thread. JavaScript's backtracking engine can take seconds or hours on a short text for some
 * patterns (`^(\w+\s?)*$` blocked n8n for 1.9 s on 28 characters), so only a conservative subset
 * is accepted, checked once when the node is activated or run:
 *
 * - no backreferences (`\1`, `\k<name>`) and no lookarounds (`(?=`, `(?!`, `(?<=`, `(?<!`);
 * - a repeated group (`(…)+`, `(…)*`, `(…){2,}`, `(…){12}`) holds no repeat of its own
 *   (`(a+)+`, `(\w+\s?)*`, `(.*a){12}` are refused) and its alternatives start with different
 *   characters (`(a|aa)+` is refused, `(cat|dog)+` is fine);
 * - no chain of three repeats that can trade the same characters between them, counting the scan
 *   of an unanchored pattern as one (`\d+\d+x`, `.*a.*b`, `^.*a.*a.*x` are refused; anchor with
 *   `^`, merge neighbouring repeats, leave out a leading or trailing `.*`).
 *
 * Together with the cap on the text a pattern sees (REGEX_TEXT_LIMIT) this bounds the work per
 * message to roughly the square of 1,024 steps. No engine is swapped in: accepted patterns run on
 * RegExp and behave exactly like it.
 */

/** Regex keywords see at most this much of a message (WhatsApp texts go up to 4,096 characters). */
export const REGEX_TEXT_LIMIT = 1024;

/** Chains of this many ambiguous repeats make the work grow with the cube of the text: refused. */
const MAX_AMBIGUOUS_CHAIN = 2;
/** A counted repeat whose range is wider than this backtracks like `*`. */
const WIDE_RANGE = 10;
/** Alternatives multiply into paths; a pattern with more is refused rather than analysed slowly. */
const MAX_PATHS = 512;

class UnsafePatternError extends Error {}

type Node =
	| { kind: 'char'; source: string }
	| { kind: 'assert'; source: string }
	| { kind: 'group'; alternatives: Node[][] }
	| { kind: 'repeat'; node: Node; min: number; max: number };

const FIX_SUFFIX = 'or choose the match mode "contains" to match the text literally';

const REFUSALS = {
	backreference: [
		'it uses a backreference (\\1 or \\k<name>)',
		'spell out the repeated text or use a character class',
	],
	lookaround: [
		'it uses a lookahead or lookbehind ((?=, (?!, (?<=, (?<!)',
		'write the text itself, or put each variant on its own keyword line',
	],
	group: ['it uses a group form other than (…), (?:…) and (?<name>…)', 'use (?:…) or (…)'],
	nested: [
		'it repeats a group that itself contains a repeat, like (a+)+ or (\\w+\\s?)*, which can block n8n for seconds on one message',
		'repeat a single character or class instead, e.g. ^[\\w\\s]*$ rather than ^(\\w+\\s?)*$',
	],
	overlap: [
		'it repeats a group whose alternatives can start with the same character (or be empty), like (a|aa)+, which can block n8n for seconds on one message',
		'make every alternative start with a different character, or repeat a character class such as [ab]+',
	],
	chain: [
		'it has repeats that can take the same characters from one another, like \\d+\\d+x or .*a.*b, which can block n8n on a long message',
		'anchor the pattern with ^, merge neighbouring repeats (\\d+ rather than \\d+\\d*), and leave out a leading or trailing .* (a pattern matches anywhere in the message anyway)',
	],
	paths: [`it combines more than ${MAX_PATHS} alternatives`, 'split it into several keyword lines'],
} as const;

/**
 * Throws an UnsafePatternError saying why the (valid) pattern is outside the safe subset and how
 * to rewrite it. The pattern must already compile as `new RegExp(pattern, 'i')`.
 */
export function assertSafePattern(pattern: string): void {
	const refusal = findRefusal(pattern);
	if (refusal === null) return;
	const [reason, fix] = REFUSALS[refusal];
	throw new UnsafePatternError(
		`${JSON.stringify(pattern)} is not in the safe subset of regular expressions: ${reason}. Fix: ${fix}; ${FIX_SUFFIX}`,
	);
}

type Refusal = keyof typeof REFUSALS;

function findRefusal(pattern: string): Refusal | null {
	let tree: Node[][];
	try {
		tree = new Parser(pattern).parse();
	} catch (error) {
		if (error instanceof Refused) return error.refusal;
		throw error;
	}
	const alphabet = new Alphabet(pattern);
	for (const node of walk({ kind: 'group', alternatives: tree })) {
		if (node.kind !== 'repeat' || node.max <= 1 || node.node.kind !== 'group') continue;
		if (containsVariableRepeat(node.node)) return 'nested';
		if (hasOverlappingAlternatives(node.node, alphabet)) return 'overlap';
	}
	const paths = pathsOf(tree, alphabet);
	if (paths === null) return 'paths';
	return paths.some((path) => longestAmbiguousChain(path) > MAX_AMBIGUOUS_CHAIN) ? 'chain' : null;
}

class Refused extends Error {
	constructor(readonly refusal: Refusal) {
		super(refusal);
	}
}

/** A parser for the syntax RegExp accepts without the `u` flag; validity is checked beforehand. */
class Parser {
	private index = 0;

	constructor(private readonly source: string) {}

	parse(): Node[][] {
		return this.alternatives();
	}

	private alternatives(): Node[][] {
		const result: Node[][] = [this.sequence()];
		while (this.source[this.index] === '|') {
			this.index++;
			result.push(this.sequence());
		}
		return result;
	}

	private sequence(): Node[] {
		const nodes: Node[] = [];
		while (this.index < this.source.length) {
			const char = this.source[this.index];
			if (char === '|' || char === ')') break;
			nodes.push(this.quantified(this.atom()));
		}
		return nodes;
	}

	private atom(): Node {
		const start = this.index;
		const char = this.source[this.index++];
		switch (char) {
			case '^':
			case '$':
				return { kind: 'assert', source: char };
			case '[':
				this.skipClass();
				return { kind: 'char', source: this.source.slice(start, this.index) };
			case '(':
				return this.group();
			case '\\':
				return this.escape(start);
			default:
				return { kind: 'char', source: char };
		}
	}

	private skipClass(): void {
		if (this.source[this.index] === '^') this.index++;
		while (this.index < this.source.length && this.source[this.index] !== ']') {
			if (this.source[this.index] === '\\') this.index++;
			this.index++;
		}
		this.index++;
	}

	private group(): Node {
		if (this.source[this.index] === '?') {
			const rest = this.source.slice(this.index + 1);
			if (/^(?:[=!]|<[=!])/.test(rest)) throw new Refused('lookaround');
			if (rest.startsWith(':')) this.index += 2;
			else if (/^<[A-Za-z_$][\w$]*>/.test(rest))
				this.index = this.source.indexOf('>', this.index) + 1;
			else throw new Refused('group');
		}
		const alternatives = this.alternatives();
		this.index++; // ')'
		return { kind: 'group', alternatives };
	}

	private escape(start: number): Node {
		const char = this.source[this.index++] ?? '';
		if (char === 'b' || char === 'B') return { kind: 'assert', source: `\\${char}` };
		if (/[1-9]/.test(char)) throw new Refused('backreference');
		if (char === 'k' && this.source[this.index] === '<') throw new Refused('backreference');
		const extra =
			char === 'x'
				? /^[0-9a-fA-F]{2}/
				: char === 'u'
					? /^[0-9a-fA-F]{4}/
					: char === 'c'
						? /^[A-Za-z]/
						: null;
		const tail = extra?.exec(this.source.slice(this.index))?.[0] ?? '';
		this.index += tail.length;
		if (char === '0') this.index += /^[0-7]{0,2}/.exec(this.source.slice(this.index))![0].length;
		return { kind: 'char', source: this.source.slice(start, this.index) };
	}

	private quantified(node: Node): Node {
		const rest = this.source.slice(this.index);
		let min: number;
		let max: number;
		let length: number;
		const counted = /^\{(\d+)(,(\d*))?\}/.exec(rest);
		if (rest[0] === '*' || rest[0] === '+' || rest[0] === '?') {
			[min, max] = rest[0] === '*' ? [0, Infinity] : rest[0] === '+' ? [1, Infinity] : [0, 1];
			length = 1;
		} else if (counted !== null) {
			min = Number(counted[1]);
			max = counted[2] === undefined ? min : counted[3] === '' ? Infinity : Number(counted[3]);
			length = counted[0].length;
		} else {
			return node;
		}
		this.index += length;
		if (this.source[this.index] === '?') this.index++; // lazy: same work on a failing text
		return { kind: 'repeat', node, min, max };
	}
}

function* walk(node: Node): Generator<Node> {
	yield node;
	if (node.kind === 'repeat') yield* walk(node.node);
	if (node.kind === 'group') {
		for (const sequence of node.alternatives) for (const child of sequence) yield* walk(child);
	}
}

/** A repeat that matches different lengths (`?`, `*`, `{1,3}`); `{3}` always matches three. */
function containsVariableRepeat(group: Node): boolean {
	for (const node of walk(group)) {
		if (node !== group && node.kind === 'repeat' && !(node.min === node.max && node.min >= 1)) {
			return true;
		}
	}
	return false;
}

function hasOverlappingAlternatives(group: Node, alphabet: Alphabet): boolean {
	for (const node of walk(group)) {
		if (node.kind !== 'group' || node.alternatives.length < 2) continue;
		const firsts = node.alternatives.map((sequence) => firstChars(sequence, alphabet));
		if (firsts.some((set) => set === null)) return true;
		for (let i = 0; i < firsts.length; i++) {
			for (let j = i + 1; j < firsts.length; j++) {
				if (intersects(firsts[i]!, firsts[j]!)) return true;
			}
		}
	}
	return false;
}

/** The characters a sequence (without variable repeats) can start with; null when it may be empty. */
function firstChars(sequence: Node[], alphabet: Alphabet): CharSet | null {
	for (const node of sequence) {
		if (node.kind === 'assert') continue;
		if (node.kind === 'char') return alphabet.setOf(node.source);
		if (node.kind === 'repeat') {
			if (node.min === 0) return null;
			return firstChars([node.node], alphabet);
		}
		const sets = node.alternatives.map((alternative) => firstChars(alternative, alphabet));
		if (sets.some((set) => set === null)) return null;
		return union(sets as CharSet[]);
	}
	return null;
}

/** Every character a node can match anywhere. */
function allChars(node: Node, alphabet: Alphabet): CharSet {
	const sets: CharSet[] = [];
	for (const child of walk(node))
		if (child.kind === 'char') sets.push(alphabet.setOf(child.source));
	return union(sets, alphabet.size);
}

type Item =
	| { kind: 'start' }
	/** Matches something from `chars`: `run` when it may take many characters. */
	| { kind: 'step' | 'run'; chars: CharSet; mandatory: boolean };

/** Every way through the alternatives, as flat lists of steps and runs; null when too many. */
function pathsOf(alternatives: Node[][], alphabet: Alphabet): Item[][] | null {
	const result: Item[][] = [];
	for (const sequence of alternatives) {
		let paths: Item[][] = [[]];
		for (const node of sequence) {
			const options = itemsOf(node, alphabet);
			if (options === null) return null;
			paths = paths.flatMap((path) => options.map((option) => [...path, ...option]));
			if (paths.length > MAX_PATHS) return null;
		}
		result.push(...paths);
		if (result.length > MAX_PATHS) return null;
	}
	return result;
}

function itemsOf(node: Node, alphabet: Alphabet): Item[][] | null {
	switch (node.kind) {
		case 'assert':
			return [node.source === '^' ? [{ kind: 'start' }] : []];
		case 'char':
			return [[{ kind: 'step', chars: alphabet.setOf(node.source), mandatory: true }]];
		case 'group':
			return pathsOf(node.alternatives, alphabet);
		case 'repeat': {
			if (node.max === Infinity || node.max - node.min > WIDE_RANGE) {
				const chars = allChars(node.node, alphabet);
				return [[{ kind: 'run', chars, mandatory: node.min > 0 }]];
			}
			const once = itemsOf(node.node, alphabet);
			if (once === null) return null;
			if (node.max === 0) return [[]];
			return node.min === 0 ? [[], ...once] : once;
		}
	}
}

/**
 * The longest chain of runs in which each can hand characters to the next: their characters
 * overlap and everything required between them can be taken by the earlier one. Each link
 * multiplies the ways a failing text can be split, so the work grows with the text's length to the
 * power of the chain. An unanchored pattern is tried at every position: one more run in front.
 */
function longestAmbiguousChain(path: Item[]): number {
	const items: Item[] =
		path[0]?.kind === 'start' ? path : [{ kind: 'run', chars: ANY, mandatory: false }, ...path];
	const chains: number[] = [];
	let longest = 0;
	items.forEach((item, j) => {
		chains[j] = 0;
		if (item.kind !== 'run') return;
		chains[j] = 1;
		for (let i = 0; i < j; i++) {
			const earlier = items[i];
			if (earlier.kind !== 'run' || chains[i] === 0) continue;
			if (!intersects(earlier.chars, item.chars)) continue;
			const between = items.slice(i + 1, j);
			const separated = between.some(
				(other) =>
					other.kind !== 'start' && other.mandatory && !intersects(other.chars, earlier.chars),
			);
			if (!separated) chains[j] = Math.max(chains[j], chains[i] + 1);
		}
		longest = Math.max(longest, chains[j]);
	});
	return longest;
}

/**
 * Character sets, decided by asking RegExp itself on a probe alphabet: ASCII, a few letters,
 * spaces and symbols beyond it, and every character of the pattern. Conservative by design: two
 * classes that share no probe character but share some other one are rare, and the worst case is a
 * chain the checker misses between two exotic classes.
 */
type CharSet = Uint8Array | typeof ANY;
const ANY = 'any' as const;

const EXTRA_PROBES = 'éüßñçøåœΩждاב中日한€£¥\u00a0\u2003\u2028\u200b\ufeff\ud83d\ude00';

class Alphabet {
	readonly probes: string[];

	private readonly cache = new Map<string, CharSet>();

	constructor(pattern: string) {
		const chars = new Set<string>();
		for (let code = 0; code < 128; code++) chars.add(String.fromCharCode(code));
		for (const char of EXTRA_PROBES + pattern) chars.add(char);
		// Non-unicode RegExp sees UTF-16 units, so probe those.
		this.probes = [...new Set([...chars].flatMap((char) => char.split('')))];
	}

	get size(): number {
		return this.probes.length;
	}

	setOf(source: string): CharSet {
		let set = this.cache.get(source);
		if (set === undefined) {
			const matcher = new RegExp(`^(?:${source})$`, 'i');
			set = Uint8Array.from(this.probes, (probe) => (matcher.test(probe) ? 1 : 0));
			this.cache.set(source, set);
		}
		return set;
	}
}

function intersects(a: CharSet, b: CharSet): boolean {
	if (a === ANY) return b === ANY || b.includes(1);
	if (b === ANY) return a.includes(1);
	return a.some((bit, index) => bit === 1 && b[index] === 1);
}

function union(sets: CharSet[], size = 0): CharSet {
	if (sets.some((set) => set === ANY)) return ANY;
	const arrays = sets as Uint8Array[];
	const result = new Uint8Array(arrays[0]?.length ?? size);
	for (const set of arrays) set.forEach((bit, index) => (result[index] |= bit));
	return result;
}
