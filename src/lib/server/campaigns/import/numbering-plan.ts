import { Metadata, parsePhoneNumberFromString, type CountryCode, type MetadataJson, type NumberType } from 'libphonenumber-js/core';
import metadataJson from 'libphonenumber-js/metadata.max.json';

/**
 * libphonenumber's answers (country of a number, its type) with every pattern compiled once.
 * libphonenumber builds a `new RegExp` from the metadata's pattern text on every check and a new
 * Metadata object per call: for an import of 100,000 numbers that was most of the time. This
 * module walks the same metadata (the full "max" set, read once) the way libphonenumber does —
 * getNumberType, getCountryByCallingCode — so the verdicts are the library's; anything it does
 * not reproduce (national-prefix stripping, non-geographic codes) goes to the library itself.
 * numbering-plan.unit.test.ts checks the parity over every country.
 */

// The parts of libphonenumber's Metadata class this module reads; its typings declare few.
interface TypeDefinition {
	pattern(): string;
	possibleLengths(): number[] | undefined;
}
interface MetadataApi {
	selectNumberingPlan(countryOrCallingCode: string): MetadataApi;
	hasCallingCode(callingCode: string): boolean | undefined;
	getCountryCodesForCallingCode(callingCode: string): string[] | undefined;
	nationalNumberPattern(): string;
	nationalPrefixForParsing(): string | undefined;
	leadingDigits(): string | undefined;
	type(type: string): TypeDefinition | undefined;
}

export const MAX_METADATA = metadataJson as unknown as MetadataJson;
const metadata = new Metadata(MAX_METADATA) as unknown as MetadataApi;

// libphonenumber's order (helpers/getNumberType.js): the first type that matches wins.
const NON_FIXED_LINE_TYPES = ['MOBILE', 'PREMIUM_RATE', 'TOLL_FREE', 'SHARED_COST', 'VOIP', 'PERSONAL_NUMBER', 'PAGER', 'UAN', 'VOICEMAIL'] as const;
// libphonenumber's MAX_LENGTH_COUNTRY_CODE, MIN_LENGTH_FOR_NSN, MAX_LENGTH_FOR_NSN.
const MAX_CALLING_CODE = 3;
const MIN_NATIONAL = 2;
const MAX_NATIONAL = 17;

interface CompiledType {
	lengths: number[] | undefined;
	pattern: RegExp;
}

interface CompiledCountry {
	national: RegExp;
	leadingDigits: RegExp | null;
	fixedLine: CompiledType | null;
	/** 'absent': no MOBILE type; 'same': its pattern was removed as a duplicate of FIXED_LINE's. */
	mobile: CompiledType | 'absent' | 'same' | null;
	others: { type: NumberType; compiled: CompiledType }[];
}

const countries = new Map<string, CompiledCountry>();

function compileType(definition: TypeDefinition | undefined): CompiledType | null {
	if (!definition || !definition.pattern()) return null;
	return { lengths: definition.possibleLengths(), pattern: new RegExp(`^(?:${definition.pattern()})$`) };
}

function compiled(country: string): CompiledCountry {
	let plan = countries.get(country);
	if (plan) return plan;
	metadata.selectNumberingPlan(country);
	const leading = metadata.leadingDigits();
	const mobile = metadata.type('MOBILE');
	plan = {
		national: new RegExp(`^(?:${metadata.nationalNumberPattern()})$`),
		leadingDigits: leading ? new RegExp(leading) : null,
		fixedLine: compileType(metadata.type('FIXED_LINE')),
		mobile: !mobile ? 'absent' : mobile.pattern() === '' ? 'same' : compileType(mobile),
		others: NON_FIXED_LINE_TYPES.flatMap((type) => {
			const c = compileType(metadata.type(type));
			return c ? [{ type, compiled: c }] : [];
		})
	};
	countries.set(country, plan);
	return plan;
}

function isType(national: string, type: CompiledType | null): boolean {
	if (!type) return false;
	if (type.lengths && !type.lengths.includes(national.length)) return false;
	return type.pattern.test(national);
}

/** The type of a national (significant) number in a country, as PhoneNumber.getType() answers; undefined when not valid. */
export function numberType(country: string, national: string): NumberType | undefined {
	const plan = compiled(country);
	if (!plan.national.test(national)) return undefined;
	if (isType(national, plan.fixedLine)) {
		if (plan.mobile === 'same' || plan.mobile === 'absent') return 'FIXED_LINE_OR_MOBILE';
		return isType(national, plan.mobile) ? 'FIXED_LINE_OR_MOBILE' : 'FIXED_LINE';
	}
	for (const { type, compiled: c } of plan.others) if (isType(national, c)) return type;
	return undefined;
}

export interface Placed {
	country: CountryCode;
	/** The digits after the calling code, as `new PhoneNumber(e164).nationalNumber`. */
	national: string;
}

interface CallingCodePlan {
	countries: string[] | undefined;
	prefixForParsing: RegExp | null;
}
const callingCodes = new Map<string, CallingCodePlan | null>();

function callingCodePlan(code: string): CallingCodePlan | null {
	let plan = callingCodes.get(code);
	if (plan !== undefined) return plan;
	if (!metadata.hasCallingCode(code)) {
		plan = null;
	} else {
		metadata.selectNumberingPlan(code);
		const prefix = metadata.nationalPrefixForParsing();
		plan = { countries: metadata.getCountryCodesForCallingCode(code), prefixForParsing: prefix ? new RegExp(`^(?:${prefix})`) : null };
	}
	callingCodes.set(code, plan);
	return plan;
}

/**
 * Country and national number of an E.164 string ("+" and digits), as libphonenumber places it
 * (`parsePhoneNumberFromString(e164).country`), or null when it places it nowhere.
 */
export function placeE164(e164: string): Placed | null {
	if (e164[1] === '0') return null;
	for (let i = 2; i - 1 <= MAX_CALLING_CODE && i <= e164.length; i += 1) {
		const plan = callingCodePlan(e164.slice(1, i));
		if (plan) return placeIn(plan, e164, e164.slice(i));
	}
	return null;
}

function placeIn(plan: CallingCodePlan, e164: string, national: string): Placed | null {
	if (national === '') return null;
	// Where the library would strip a national prefix, judge lengths differently or use a
	// non-geographic plan, ask the library itself (rare: valid numbers never take this path).
	if (!plan.countries || national.length < MIN_NATIONAL || national.length > MAX_NATIONAL || plan.prefixForParsing?.test(national)) {
		const country = parsePhoneNumberFromString(e164, MAX_METADATA)?.country;
		return country ? { country, national } : null;
	}
	if (plan.countries.length === 1) return { country: plan.countries[0] as CountryCode, national };
	// getCountryByNationalNumber: the first country whose leading digits (or, without them, whose
	// patterns) match.
	for (const country of plan.countries) {
		const leading = compiled(country).leadingDigits;
		if (leading ? national.search(leading) === 0 : numberType(country, national) !== undefined) {
			return { country: country as CountryCode, national };
		}
	}
	return null;
}
