/**
 * GSM-7 stand-ins for characters that would otherwise switch a whole text to UCS-2 (70
 * characters a segment instead of 160). Mostly what word processors and phones type for you:
 * curly quotes, dashes, ellipses, odd spaces. Offered, never applied silently: an accent is
 * part of a name. Twilio's "Smart Encoding" makes a similar list of substitutions.
 */
const TABLE: Record<string, string> = {
	// quotes and primes
	'\u2018': "'", '\u2019': "'", '\u201a': "'", '\u201b': "'", '\u2032': "'", '\u2039': "'", '\u203a': "'", '\u02bc': "'", '\u00b4': "'", '`': "'",
	'\u201c': '"', '\u201d': '"', '\u201e': '"', '\u201f': '"', '\u2033': '"', '\u00ab': '"', '\u00bb': '"',
	// dashes and minus
	'\u2010': '-', '\u2011': '-', '\u2012': '-', '\u2013': '-', '\u2014': '-', '\u2015': '-', '\u2212': '-',
	// ellipsis, bullets, symbols
	'\u2026': '...', '\u2022': '-', '\u00b7': '-', '\u2122': 'TM', '\u00a9': '(c)', '\u00ae': '(R)', '\u00d7': 'x', '\u2044': '/',
	// spaces: no-break, thin, en/em, narrow; tab
	'\u00a0': ' ', '\u2002': ' ', '\u2003': ' ', '\u2004': ' ', '\u2005': ' ', '\u2006': ' ', '\u2007': ' ', '\u2008': ' ',
	'\u2009': ' ', '\u200a': ' ', '\u202f': ' ', '\u205f': ' ', '\u3000': ' ', '\t': ' ',
	// invisible characters pasted from the web: dropped
	'\u200b': '', '\u200c': '', '\u200d': '', '\u2060': '', '\ufeff': '', '\u00ad': '',
	// letters with accents GSM-7 lacks (it has é è ù ì ò à ä ö ü ñ Ç É Ä Ö Ü Ñ Å å Ø ø Æ æ ß)
	'\u00e1': 'a', '\u00e2': 'a', '\u00e3': 'a', '\u00c1': 'A', '\u00c2': 'A', '\u00c3': 'A', '\u00c0': 'A',
	'\u00e7': 'c', '\u00ea': 'e', '\u00eb': 'e', '\u00ca': 'E', '\u00cb': 'E', '\u00c8': 'E',
	'\u00ed': 'i', '\u00ee': 'i', '\u00ef': 'i', '\u00cd': 'I', '\u00ce': 'I', '\u00cf': 'I', '\u00cc': 'I',
	'\u00f3': 'o', '\u00f4': 'o', '\u00f5': 'o', '\u00d3': 'O', '\u00d4': 'O', '\u00d5': 'O', '\u00d2': 'O',
	'\u00fa': 'u', '\u00fb': 'u', '\u00da': 'U', '\u00db': 'U', '\u00d9': 'U', '\u00fd': 'y', '\u00ff': 'y', '\u00dd': 'Y',
	'\u0153': 'oe', '\u0152': 'OE'
};

/** The GSM-7 text to offer instead of `char`, or null when there is none (an emoji, Cyrillic…). */
export function gsmReplacement(char: string): string | null {
	return Object.hasOwn(TABLE, char) ? (TABLE[char] as string) : null;
}
