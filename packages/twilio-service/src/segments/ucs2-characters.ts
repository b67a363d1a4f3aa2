import { gsmSeptets } from './gsm.ts';
import { gsmReplacement } from './gsm-replacements.ts';
import { segmentInfo, type SegmentInfo } from './segments.ts';

/** One character that forces UCS-2, where it is, and what to type instead. */
export interface Ucs2Character {
	char: string;
	/** "U+2019" */
	codePoint: string;
	/** UTF-16 offset in the text (what a textarea's selection uses) and length (2 for most emoji). */
	index: number;
	length: number;
	/** GSM-7 text to offer instead, or null when none exists. */
	replacement: string | null;
}

export interface EncodingReport extends SegmentInfo {
	/** Characters outside GSM-7, in order (empty when the text is GSM-7). */
	ucs2Characters: Ucs2Character[];
	/**
	 * When every such character has a replacement: the text with all of them replaced and its
	 * segments, so the editor can say "replace 2 characters to send as 1 segment instead of 3".
	 */
	gsm: { text: string; segments: SegmentInfo } | null;
}

/** Encoding and segments of a text, with the characters that make it UCS-2 and their GSM-7 stand-ins. */
export function encodingReport(text: string): EncodingReport {
	const info = segmentInfo(text);
	const ucs2Characters: Ucs2Character[] = [];
	let index = 0;
	for (const char of text) {
		if (gsmSeptets(char) === null) {
			const codePoint = `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
			ucs2Characters.push({ char, codePoint, index, length: char.length, replacement: gsmReplacement(char) });
		}
		index += char.length;
	}
	let gsm: EncodingReport['gsm'] = null;
	if (ucs2Characters.length > 0 && ucs2Characters.every((c) => c.replacement !== null)) {
		const replaced = replaceUcs2(text);
		gsm = { text: replaced, segments: segmentInfo(replaced) };
	}
	return { ...info, ucs2Characters, gsm };
}

/** The text with every replaceable non-GSM character replaced (the rest left as they are). */
export function replaceUcs2(text: string): string {
	let out = '';
	for (const char of text) out += gsmSeptets(char) === null ? (gsmReplacement(char) ?? char) : char;
	return out;
}
