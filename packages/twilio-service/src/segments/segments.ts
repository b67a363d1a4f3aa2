import { gsmSeptets } from './gsm.ts';

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
	const chars = Array.from(body); // code points, so a surrogate pair stays one item
	const gsmCosts: number[] = [];
	for (const char of chars) {
		const cost = gsmSeptets(char);
		if (cost === null) return ucs2Info(chars);
		gsmCosts.push(cost);
	}
	return pack('GSM-7', gsmCosts);
}

function ucs2Info(chars: string[]): SegmentInfo {
	return pack(
		'UCS-2',
		chars.map((char) => char.length)
	);
}

/** Packs indivisible costs into segments greedily, the way handsets and carriers split them. */
function pack(encoding: SmsEncoding, costs: number[]): SegmentInfo {
	const limits = SEGMENT_LIMITS[encoding];
	const units = costs.reduce((sum, cost) => sum + cost, 0);
	if (units <= limits.single) return { encoding, segments: 1, units };
	let segments = 1;
	let used = 0;
	for (const cost of costs) {
		if (used + cost > limits.multipart) {
			segments += 1;
			used = 0;
		}
		used += cost;
	}
	return { encoding, segments, units };
}
