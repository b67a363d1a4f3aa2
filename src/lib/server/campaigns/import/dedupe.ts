import type { DuplicateRow, Recipient } from './types.ts';

/**
 * Keeps each number once: the same person written as "(415) 555-2671" and "+1 415 555 2671"
 * is one E.164 number, texted once. With `whenRowsDiffer`, a repeated number whose other cells
 * differ is kept (a parent with two children gets both reminders); an identical row never is.
 */
export class Deduper {
	private readonly firstRow = new Map<string, number>();
	/** Only with whenRowsDiffer: the distinct other-cells signatures kept per number. */
	private readonly signatures = new Map<string, Set<string>>();
	readonly duplicates: DuplicateRow[] = [];

	constructor(
		private readonly phoneIndex: number,
		private readonly whenRowsDiffer: boolean
	) {}

	/** True when the recipient is new (to keep), false when it was recorded as a duplicate. */
	admit(recipient: Recipient, rawPhone: string): boolean {
		const keptRow = this.firstRow.get(recipient.phone);
		if (keptRow === undefined) {
			this.firstRow.set(recipient.phone, recipient.row);
			if (this.whenRowsDiffer) this.signatures.set(recipient.phone, new Set([this.signature(recipient)]));
			return true;
		}
		if (this.whenRowsDiffer) {
			const seen = this.signatures.get(recipient.phone) as Set<string>;
			const signature = this.signature(recipient);
			if (!seen.has(signature)) {
				seen.add(signature);
				return true;
			}
		}
		this.duplicates.push({ row: recipient.row, keptRow, phone: recipient.phone, value: rawPhone });
		return false;
	}

	private signature(recipient: Recipient): string {
		return recipient.values.filter((_, i) => i !== this.phoneIndex).join('\u0000');
	}
}
