import type { DuplicateRow, Recipient } from './types.ts';

/**
 * Keeps each number once: the same person written as "(415) 555-2671" and "+1 415 555 2671"
 * is one E.164 number, texted once. With `whenRowsDiffer`, a repeated number whose other cells
 * differ is kept (a parent with two children gets both reminders); an identical row never is.
 */
export class Deduper {
	private readonly seen = new Map<string, { row: number; signatures: Set<string> }>();
	readonly duplicates: DuplicateRow[] = [];

	constructor(
		private readonly phoneIndex: number,
		private readonly whenRowsDiffer: boolean
	) {}

	/** True when the recipient is new (to keep), false when it was recorded as a duplicate. */
	admit(recipient: Recipient, rawPhone: string): boolean {
		const signature = this.whenRowsDiffer
			? recipient.values.filter((_, i) => i !== this.phoneIndex).join('\u0000')
			: '';
		const first = this.seen.get(recipient.phone);
		if (!first) {
			this.seen.set(recipient.phone, { row: recipient.row, signatures: new Set([signature]) });
			return true;
		}
		if (this.whenRowsDiffer && !first.signatures.has(signature)) {
			first.signatures.add(signature);
			return true;
		}
		this.duplicates.push({ row: recipient.row, keptRow: first.row, phone: recipient.phone, value: rawPhone });
		return false;
	}
}
