/**
 * Counts CSV records as the download arrives (for "12,345 rows so far"): record ends outside
 * quotes, so a quoted line break inside a cell does not count. Feed it decoded text chunks.
 */
export class CsvRowCounter {
	private inQuotes = false;
	private records = 0;

	push(text: string): void {
		for (let i = 0; i < text.length; i++) {
			const c = text.charCodeAt(i);
			if (c === 34) this.inQuotes = !this.inQuotes; // '"' ('""' inside quotes toggles twice)
			else if (c === 10 && !this.inQuotes) this.records++; // '\n'
		}
	}

	/** Data rows completed so far (the header row is not one). */
	get rows(): number {
		return Math.max(0, this.records - 1);
	}
}

/** The file name from a Content-Disposition header, or the fallback. */
export function attachmentName(header: string | null, fallback: string): string {
	const match = header?.match(/filename="([^"]+)"/);
	return match?.[1] ?? fallback;
}
