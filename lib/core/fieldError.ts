/**
 * The package-wide input error: which field, what value, how to fix it. Thrown by the pure core and
 * by node helpers when a parameter or an item cannot work; the node shells turn it into a
 * NodeOperationError with the item index (lib/transport/nodeErrors.ts). Its own module because
 * every layer validates input, not only message bodies (lib/core/errors.ts is about Meta's errors).
 */
export class FieldError extends Error {
	readonly field: string;

	readonly value: unknown;

	readonly fix: string;

	constructor(field: string, value: unknown, problem: string, fix: string) {
		super(`${field} ${problem}`);
		this.name = 'FieldError';
		this.field = field;
		this.value = value;
		this.fix = fix;
	}

	describe(): string {
		const shown =
			typeof this.value === 'string' ? `"${truncate(this.value, 80)}"` : JSON.stringify(this.value);
		return `Value: ${shown}. Fix: ${this.fix}`;
	}
}

function truncate(text: string, max: number): string {
	return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
