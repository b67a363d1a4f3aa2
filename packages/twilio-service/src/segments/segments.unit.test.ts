import { describe, expect, it } from 'vitest';
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
