/**
 * GSM 03.38 default alphabet (basic table) and its extension table.
 * Basic characters cost one septet; extension characters are sent as ESC + char, two septets.
 */
const BASIC =
	'@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
	'¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';

const EXTENSION = '\f^{}\\[~]|€';

const basicSet: ReadonlySet<string> = new Set(BASIC);
const extensionSet: ReadonlySet<string> = new Set(EXTENSION);

/** Septets a character costs in GSM-7, or null when it is not in the GSM alphabet. */
export function gsmSeptets(char: string): 1 | 2 | null {
	if (basicSet.has(char)) return 1;
	if (extensionSet.has(char)) return 2;
	return null;
}

// Septets per UTF-16 code unit (0: not GSM): every GSM character is one BMP code unit, so a
// message can be costed without splitting it into code points (segmentInfo runs per row).
const unitCost = new Uint8Array(0x10000);
for (const char of BASIC) unitCost[char.charCodeAt(0)] = 1;
for (const char of EXTENSION) unitCost[char.charCodeAt(0)] = 2;

/** gsmSeptets for one UTF-16 code unit: 1, 2, or 0 when it is not in the GSM alphabet. */
export function gsmUnitSeptets(code: number): 0 | 1 | 2 {
	return unitCost[code] as 0 | 1 | 2;
}
