import { getCountries, getCountryCallingCode, parsePhoneNumberFromString, PhoneNumber, type CountryCode, type NationalNumber } from 'libphonenumber-js/core';
import examples from 'libphonenumber-js/examples.mobile.json';
import { describe, expect, it } from 'vitest';
import { MAX_METADATA, numberType, placeE164 } from './numbering-plan.ts';

// The library's own answers, through its public API: the reference the compiled module must match.
const PhoneNumberIn = PhoneNumber as unknown as new (country: CountryCode, national: NationalNumber, metadata: typeof MAX_METADATA) => PhoneNumber;

function libraryType(country: CountryCode, national: string): string | undefined {
	return new PhoneNumberIn(country, national as NationalNumber, MAX_METADATA).getType();
}

function libraryPlace(e164: string): { country: string; national: string } | null {
	let national: string;
	try {
		national = new PhoneNumber(e164 as `+${string}`, MAX_METADATA).nationalNumber;
	} catch {
		return null;
	}
	const country = parsePhoneNumberFromString(e164, MAX_METADATA)?.country;
	return country ? { country, national } : null;
}

// A fixed-seed generator: the same numbers every run, thousands of them across every country.
function random(seed: number): () => number {
	let state = seed;
	return () => {
		state = (state + 0x6d2b79f5) | 0;
		let t = Math.imul(state ^ (state >>> 15), 1 | state);
		t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
		return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
	};
}

function samples(): { country: CountryCode; national: string }[] {
	const next = random(13);
	const digits = (n: number) => Array.from({ length: n }, () => Math.floor(next() * 10)).join('');
	const out: { country: CountryCode; national: string }[] = [];
	const mobiles = examples as Partial<Record<CountryCode, string>>;
	for (const country of getCountries(MAX_METADATA)) {
		const example = mobiles[country];
		if (example) {
			out.push({ country, national: example });
			// Neighbours of a real number: mostly the same type, sometimes another or none.
			for (let i = 0; i < 12; i += 1) {
				const keep = Math.max(1, example.length - 1 - Math.floor(next() * 4));
				out.push({ country, national: example.slice(0, keep) + digits(example.length - keep) });
			}
			out.push({ country, national: example.slice(0, -1) }, { country, national: `${example}${digits(1)}` }, { country, national: `0${example}` });
		}
		for (let i = 0; i < 12; i += 1) out.push({ country, national: digits(4 + Math.floor(next() * 9)) });
	}
	return out;
}

describe('numbering plan (compiled libphonenumber metadata)', () => {
	const all = samples();

	it('gives the type libphonenumber gives, for numbers of every country', () => {
		const mismatches = all.filter(({ country, national }) => numberType(country, national) !== libraryType(country, national));
		expect(all.length).toBeGreaterThan(5_000);
		expect(mismatches).toEqual([]);
	});

	it('places E.164 numbers in the country libphonenumber places them', () => {
		const e164s = all.map(({ country, national }) => `+${getCountryCallingCode(country, MAX_METADATA)}${national}`);
		e164s.push('+0123456789', '+1', '+12', '+999123456', '+80012345678', '+882123456789', '+44012345678', '+1123456789', '+123456789012345678901');
		const mismatches = e164s.filter((e164) => JSON.stringify(placeE164(e164)) !== JSON.stringify(libraryPlace(e164)));
		expect(mismatches).toEqual([]);
		// The sample is not all invalid: real numbers of shared calling codes are placed apart.
		expect(placeE164('+16045550123')?.country).toBe('CA');
		expect(placeE164('+441481256789')?.country).toBe('GG');
		expect(placeE164('+447400123456')).toEqual({ country: 'GB', national: '7400123456' });
	});
});
