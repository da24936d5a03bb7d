/** Whether a picker entry matches what the user typed into the list's search box (any of its texts). */
export function matchesFilter(
	filter: string | undefined,
	...texts: Array<string | undefined>
): boolean {
	if (!filter) return true;
	const needle = filter.toLowerCase();
	return texts.some((text) => text?.toLowerCase().includes(needle));
}
