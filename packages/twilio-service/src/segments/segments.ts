import { gsmUnitSeptets } from './gsm.ts';

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SegmentInfo {
	encoding: SmsEncoding;
	/** Number of SMS segments the body is billed as. */
	segments: number;
	/** Septets (GSM-7) or UTF-16 code units (UCS-2) of the whole body, without headers. */
	units: number;
}

/** Capacity of one segment: a lone message has no concatenation header, a part of a longer one does. */
export const SEGMENT_LIMITS = {
	'GSM-7': { single: 160, multipart: 153 },
	'UCS-2': { single: 70, multipart: 67 }
} as const satisfies Record<SmsEncoding, { single: number; multipart: number }>;

/**
 * Encoding and segment count of an SMS body, as carriers (and Twilio's bill) count them.
 *
 * - One character outside the GSM 03.38 alphabet switches the whole message to UCS-2.
 * - A GSM extension character (ESC + char, 2 septets) is never split across two segments.
 * - A UTF-16 surrogate pair (e.g. most emoji) is never split across two segments.
 * - An empty body is 1 segment with 0 units: that is what a (body-less) send is billed as,
 *   and it keeps "segments" usable as a cost without a special case for zero.
 */
export function segmentInfo(body: string): SegmentInfo {
	// One pass, no arrays: the greedy packing below is the same as packing a list of costs.
	const gsm = SEGMENT_LIMITS['GSM-7'];
	let units = 0;
	let segments = 1;
	let used = 0;
	for (let i = 0; i < body.length; i += 1) {
		const cost = gsmUnitSeptets(body.charCodeAt(i));
		if (cost === 0) return ucs2Info(body);
		units += cost;
		if (used + cost > gsm.multipart) {
			segments += 1;
			used = 0;
		}
		used += cost;
	}
	return { encoding: 'GSM-7', segments: units <= gsm.single ? 1 : segments, units };
}

/** UCS-2: each code point costs its UTF-16 units, and a surrogate pair is never split. */
function ucs2Info(body: string): SegmentInfo {
	const ucs2 = SEGMENT_LIMITS['UCS-2'];
	let units = 0;
	let segments = 1;
	let used = 0;
	for (let i = 0; i < body.length; i += 1) {
		const code = body.charCodeAt(i);
		const pair = code >= 0xd800 && code <= 0xdbff && i + 1 < body.length && isLowSurrogate(body.charCodeAt(i + 1));
		const cost = pair ? 2 : 1;
		if (pair) i += 1;
		units += cost;
		if (used + cost > ucs2.multipart) {
			segments += 1;
			used = 0;
		}
		used += cost;
	}
	return { encoding: 'UCS-2', segments: units <= ucs2.single ? 1 : segments, units };
}

function isLowSurrogate(code: number): boolean {
	return code >= 0xdc00 && code <= 0xdfff;
}
