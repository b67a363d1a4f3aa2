import { ImportError } from './errors.ts';

// Files people rename to .csv most often, by their first bytes.
const SIGNATURES: { bytes: number[]; what: string }[] = [
	{ bytes: [0x50, 0x4b, 0x03, 0x04], what: 'an Excel workbook (.xlsx) or a ZIP archive' },
	{ bytes: [0xd0, 0xcf, 0x11, 0xe0], what: 'an old Excel workbook (.xls)' },
	{ bytes: [0x25, 0x50, 0x44, 0x46], what: 'a PDF' },
	{ bytes: [0x89, 0x50, 0x4e, 0x47], what: 'a PNG image' },
	{ bytes: [0xff, 0xd8, 0xff], what: 'a JPEG image' },
	{ bytes: [0x1f, 0x8b], what: 'a gzip archive' }
];

const SAVE_AS = 'In Excel or Numbers, choose Save As / Export → "CSV UTF-8" and upload that file.';

function startsWith(head: Uint8Array, bytes: number[]): boolean {
	return bytes.every((b, i) => head[i] === b);
}

/**
 * Refuses binary files before any parsing: a workbook renamed to .csv would otherwise parse
 * into thousands of rows of garbage "invalid numbers". `head` is the first chunk of the file.
 * UTF-16 text (Excel's "Unicode Text") legitimately contains NUL bytes, so its BOM is checked first.
 */
export function refuseBinary(head: Uint8Array): void {
	if (startsWith(head, [0xff, 0xfe]) || startsWith(head, [0xfe, 0xff])) return;
	for (const { bytes, what } of SIGNATURES) {
		if (startsWith(head, bytes)) {
			throw new ImportError({ code: 'not_text', message: `This file is ${what}, not a CSV file. ${SAVE_AS}` });
		}
	}
	const sample = head.subarray(0, 8192);
	let control = 0;
	for (const byte of sample) {
		if (byte === 0) {
			throw new ImportError({ code: 'not_text', message: `This file contains binary data, not CSV text. ${SAVE_AS}` });
		}
		// Control characters other than tab, newline, carriage return and form feed.
		if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d && byte !== 0x0c) control += 1;
	}
	if (sample.length > 0 && control / sample.length > 0.01) {
		throw new ImportError({ code: 'not_text', message: `This file contains binary data, not CSV text. ${SAVE_AS}` });
	}
}
