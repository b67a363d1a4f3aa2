import { getCountries, getCountryCallingCode } from 'libphonenumber-js';
import { explainError } from '@sms/twilio-service';
import { formatDuration } from './latency.ts';
import type { Overview, RateRow } from './overview.ts';

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });

/** Calling code → the countries that share it ("1" → "United States, Canada, …"). */
const countriesByCode = (() => {
	const map = new Map<string, string[]>();
	for (const iso of getCountries()) {
		const code = getCountryCallingCode(iso);
		map.set(code, [...(map.get(code) ?? []), iso]);
	}
	return map;
})();

/** "+44 United Kingdom", "+1 United States, Canada and 23 more", "Unknown". */
export function countryLabel(code: string): string {
	if (!code) return 'Unknown country';
	const isos = countriesByCode.get(code) ?? [];
	// The main country first: libphonenumber lists it first for shared codes only sometimes.
	const main = code === '1' ? ['US', 'CA'] : code === '7' ? ['RU', 'KZ'] : code === '44' ? ['GB'] : isos.slice(0, 2);
	const names = main.filter((i) => isos.includes(i)).map((i) => regionNames.of(i) ?? i);
	const more = isos.length - names.length;
	return `+${code} ${names.join(', ')}${more > 0 ? ` and ${more} more` : ''}`.trim();
}

/** What the page renders: the overview with labels and plain-English reasons. */
export function overviewView(o: Overview) {
	const rate = (r: RateRow, label: string) => ({ key: r.key, label, ...r.counts, deliveryRate: r.deliveryRate });
	return {
		totals: o.totals,
		latency: o.latency,
		latencyText: { average: formatDuration(o.latency.averageMs), p95: formatDuration(o.latency.p95Ms) },
		cost: o.cost,
		daily: o.daily.map((d) => ({ day: d.day, ...d.counts })),
		byType: o.byType.map((r) => rate(r, r.key)),
		byCountry: o.byCountry.map((r) => rate(r, countryLabel(r.key))),
		failures: o.failures.map((f) => {
			const e = explainError(f.code);
			return { code: f.code, title: e.title, explanation: e.explanation, count: f.count, share: f.share };
		})
	};
}

export type OverviewView = ReturnType<typeof overviewView>;
