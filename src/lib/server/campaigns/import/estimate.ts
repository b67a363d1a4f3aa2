import type { CountryEstimate, ImportEstimate, PriceLookup, Recipient } from './types.ts';

/** Country of numbers libphonenumber cannot place (non-geographic ranges): priced as unknown. */
export const UNKNOWN_COUNTRY = 'ZZ';

/** Texts, segments and cost per destination country; cost = segments × the country's price per segment. */
export async function estimateCost(recipients: Recipient[], prices?: PriceLookup): Promise<ImportEstimate> {
	const groups = new Map<string, { texts: number; segments: number }>();
	let segments = 0;
	for (const r of recipients) {
		const country = r.country ?? UNKNOWN_COUNTRY;
		const group = groups.get(country) ?? { texts: 0, segments: 0 };
		group.texts += 1;
		group.segments += r.segments;
		groups.set(country, group);
		segments += r.segments;
	}
	const known = prices ? await prices([...groups.keys()]) : new Map();
	const byCountry: CountryEstimate[] = [...groups].map(([country, g]) => {
		const price = known.get(country);
		const unitPrice = price?.unitPrice ?? null;
		return {
			country,
			texts: g.texts,
			segments: g.segments,
			unitPrice,
			currency: price?.currency ?? 'USD',
			cost: unitPrice === null ? null : round(unitPrice * g.segments),
			note: price ? price.note : 'no price known for this country'
		};
	});
	byCountry.sort((a, b) => b.texts - a.texts || a.country.localeCompare(b.country));
	return { texts: recipients.length, segments, byCountry };
}

/** Money to 1/10000 of a unit, as Twilio quotes prices, without float dust (0.1 + 0.2). */
function round(value: number): number {
	return Math.round(value * 10_000) / 10_000;
}
