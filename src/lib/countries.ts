import { getCountries, getCountryCallingCode, type CountryCode } from 'libphonenumber-js';

export interface CountryOption {
	value: CountryCode;
	/** "United Kingdom (+44)" */
	label: string;
}

/** Every country libphonenumber knows, by English name, with its calling code. */
export function countryOptions(locale = 'en'): CountryOption[] {
	const names = new Intl.DisplayNames([locale], { type: 'region' });
	return getCountries()
		.map((code) => ({ value: code, label: `${names.of(code) ?? code} (+${getCountryCallingCode(code)})` }))
		.sort((a, b) => a.label.localeCompare(b.label, locale));
}

export function isCountryCode(value: string): value is CountryCode {
	return (getCountries() as string[]).includes(value);
}
