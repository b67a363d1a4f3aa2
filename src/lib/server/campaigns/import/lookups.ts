import type { RowPlan } from './check-row.ts';
import type { ImportReport, InvalidRow, Recipient, RecipientLookup } from './types.ts';

const BATCH = 5_000;

/**
 * Moves opted-out and over-cap numbers from the recipients to the invalid rows. Runs after
 * dedupe so each number is asked about once, in batches (one query per 5,000 numbers).
 */
export async function applyLookups(
	recipients: Recipient[],
	plan: RowPlan,
	lookup: RecipientLookup | undefined,
	invalid: InvalidRow[],
	rejected: ImportReport['rejected']
): Promise<Recipient[]> {
	if (!lookup || recipients.length === 0) return recipients;
	const phones = [...new Set(recipients.map((r) => r.phone))];
	const optedOut = new Set<string>();
	const overCap = new Set<string>();
	for (let i = 0; i < phones.length; i += BATCH) {
		const batch = phones.slice(i, i + BATCH);
		for (const p of await lookup.optedOut(batch)) optedOut.add(p);
		if (lookup.overCap) for (const p of await lookup.overCap(batch)) overCap.add(p);
	}
	if (optedOut.size === 0 && overCap.size === 0) return recipients;
	const column = plan.columns[plan.phone]?.header ?? '';
	const kept: Recipient[] = [];
	for (const r of recipients) {
		const problem = optedOut.has(r.phone)
			? ({ code: 'opted_out', reason: 'opted out: this number replied STOP or was unsubscribed' } as const)
			: overCap.has(r.phone)
				? ({ code: 'over_cap', reason: 'over the cap: this number has had as many texts as its limit allows' } as const)
				: null;
		if (!problem) {
			kept.push(r);
			continue;
		}
		const value = r.values[plan.phone] ?? r.phone;
		invalid.push({ row: r.row, column, value, ...problem });
		rejected.push({ row: r.row, values: r.values, reason: problem.reason });
	}
	return kept;
}
