import { describe, expect, it } from 'vitest';
import { encodingReport, gsmReplacement, gsmSeptets, replaceUcs2 } from './index.ts';

describe('encodingReport', () => {
	it('is GSM-7 with nothing to highlight for plain text', () => {
		// { } and € are GSM extension characters: two septets each.
		expect(encodingReport('Hello {world} €5')).toEqual({ encoding: 'GSM-7', segments: 1, units: 19, ucs2Characters: [], gsm: null });
	});

	it('lists every non-GSM character with its UTF-16 position, emoji included', () => {
		const r = encodingReport('“Hi” 😀 – ok…');
		expect(r.encoding).toBe('UCS-2');
		expect(r.ucs2Characters.map(({ char, index, length, replacement }) => [char, index, length, replacement])).toEqual([
			['“', 0, 1, '"'],
			['”', 3, 1, '"'],
			['😀', 5, 2, null],
			['–', 8, 1, '-'],
			['…', 12, 1, '...']
		]);
		// An emoji has no GSM-7 stand-in, so there is no all-GSM alternative to offer.
		expect(r.gsm).toBeNull();
	});

	it('offers the all-GSM text when every character can be replaced', () => {
		const r = encodingReport('Café\u00a0‘Le Bistrot’ — open');
		expect(r.gsm?.text).toBe("Café 'Le Bistrot' - open");
		expect(r.gsm?.segments.encoding).toBe('GSM-7');
	});

	it('replaceUcs2 keeps characters that have no replacement', () => {
		expect(replaceUcs2('Привет — hi')).toBe('Привет - hi');
	});
});

describe('gsmReplacement', () => {
	it.each(['‘', '’', '“', '”', '–', '—', '…', '\u00a0', '\u2009', '\u200b', 'ç', 'á', '•', '\t'])('%j has a GSM-7 stand-in', (char) => {
		const replacement = gsmReplacement(char);
		expect(gsmSeptets(char)).toBeNull();
		expect(replacement).not.toBeNull();
		expect(Array.from(replacement as string).every((c) => gsmSeptets(c) !== null)).toBe(true);
	});

	it('has none for emoji or other scripts', () => {
		expect(gsmReplacement('😀')).toBeNull();
		expect(gsmReplacement('ж')).toBeNull();
	});
});
