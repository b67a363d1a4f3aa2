import { describe, expect, it } from 'vitest';
import { gsmSeptets } from './gsm.ts';
import { segmentInfo } from './segments.ts';

const a = (n: number) => 'a'.repeat(n);
const zh = (n: number) => 'ж'.repeat(n); // Cyrillic: outside GSM-7, one UTF-16 unit each
const EMOJI = '😀'; // one code point, two UTF-16 units
const GSM_SPECIALS = '@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà\n\r';

describe('segmentInfo', () => {
	it.each([
		['empty body is one billed segment', '', 'GSM-7', 1, 0],
		['one character', 'a', 'GSM-7', 1, 1],
		['160 GSM chars fit one segment', a(160), 'GSM-7', 1, 160],
		['161 GSM chars need two', a(161), 'GSM-7', 2, 161],
		['306 = 153 * 2 fits two parts', a(306), 'GSM-7', 2, 306],
		['307 needs a third part', a(307), 'GSM-7', 3, 307],
		['459 = 153 * 3', a(459), 'GSM-7', 3, 459],
		['extension char costs two septets (fits 160)', a(158) + '€', 'GSM-7', 1, 160],
		['extension char pushes past 160', a(159) + '€', 'GSM-7', 2, 161],
		['extension char never straddles a segment', a(152) + '€' + a(152), 'GSM-7', 3, 306],
		['extension char ending exactly at 153', a(151) + '{' + a(153), 'GSM-7', 2, 306],
		['all extension characters count two', '^{}\\[~]|€\f', 'GSM-7', 1, 20],
		['GSM specials stay GSM-7', GSM_SPECIALS, 'GSM-7', 1, Array.from(GSM_SPECIALS).length],
		['one non-GSM char switches to UCS-2', a(100) + '’', 'UCS-2', 2, 101],
		['70 UCS-2 units fit one segment', zh(70), 'UCS-2', 1, 70],
		['71 UCS-2 units need two', zh(71), 'UCS-2', 2, 71],
		['134 = 67 * 2', zh(134), 'UCS-2', 2, 134],
		['135 needs a third part', zh(135), 'UCS-2', 3, 135],
		['emoji is two units', EMOJI, 'UCS-2', 1, 2],
		['emoji ending at 70 units', zh(68) + EMOJI, 'UCS-2', 1, 70],
		['emoji making 71 units', zh(69) + EMOJI, 'UCS-2', 2, 71],
		['emoji never split across segments', zh(66) + EMOJI + zh(66), 'UCS-2', 3, 134],
		['emoji ending exactly at 67', zh(65) + EMOJI + zh(67), 'UCS-2', 2, 134],
		['lowercase ç is not in GSM 03.38', 'ç', 'UCS-2', 1, 1]
	])('%s', (_name, body, encoding, segments, units) => {
		expect(segmentInfo(body)).toEqual({ encoding, segments, units });
	});
});

// The counting rules written the plain way (code points, a list of costs, greedy packing): the
// one-pass segmentInfo must agree with it on any text.
function reference(body: string): { encoding: string; segments: number; units: number } {
	const chars = Array.from(body);
	const gsm = chars.map((c) => gsmSeptets(c));
	const encoding = gsm.every((c) => c !== null) ? 'GSM-7' : 'UCS-2';
	const costs = encoding === 'GSM-7' ? (gsm as number[]) : chars.map((c) => c.length);
	const [single, multipart] = encoding === 'GSM-7' ? [160, 153] : [70, 67];
	const units = costs.reduce((a, b) => a + b, 0);
	let segments = 1;
	let used = 0;
	for (const cost of costs) {
		if (used + cost > multipart) {
			segments += 1;
			used = 0;
		}
		used += cost;
	}
	return { encoding, segments: units <= single ? 1 : segments, units };
}

describe('segmentInfo agrees with the plain counting rules', () => {
	it('on thousands of random texts (GSM, extension characters, UCS-2, emoji, lone surrogates)', () => {
		const alphabet = ['a', ' ', '€', '{', 'é', 'ж', '’', '😀', '\ud83d', '\ude00', 'Ω', '\n', 'ç'];
		let seed = 7;
		const next = () => {
			seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
			return seed / 2 ** 31;
		};
		for (let n = 0; n < 1_500; n += 1) {
			const length = Math.floor(next() * 400);
			// Mostly one kind of text per sample, so long GSM-7 texts occur as well as UCS-2 ones.
			const pool = next() < 0.5 ? alphabet.slice(0, 5) : alphabet;
			let body = '';
			for (let i = 0; i < length; i += 1) body += pool[Math.floor(next() * pool.length)];
			expect(segmentInfo(body)).toEqual(reference(body));
		}
	});
});
