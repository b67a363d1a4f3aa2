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
