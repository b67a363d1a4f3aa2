/**
 * The one rule against spreadsheet formula injection (CSV injection) for every CSV we write: a
 * cell starting with = + - @ tab or CR (or a full-width = + - @) is run as a formula by Excel, LibreOffice and Google
 * Sheets, so it gets a leading apostrophe (shown as text).
 *
 * `readableNumbers` (the console's exports) leaves cells that are only a number ("-0.0079", a
 * price) or only a phone number ("+1 415 555 0123", "+14155550123") as they are: digits,
 * spaces, dots, dashes and parentheses cannot call a function or reach a cell, and an
 * apostrophe would make them unreadable as what they are to every other program reading the
 * file. Without it (the audit log, campaign files) every such cell is neutralised.
 */
// The full-width forms too: Apple Numbers folds them into the ASCII ones (as csv-stringify's
// own escape_formulas knows).
const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;
const NUMBER = /^[+-]?\d+(\.\d+)?$/;
const PHONE = /^\+\d[\d ().-]*\d$/;

export interface NeutraliseOptions {
	readableNumbers?: boolean;
}

export function neutraliseFormula(value: string, options: NeutraliseOptions = {}): string {
	if (!FORMULA_START.test(value)) return value;
	if (options.readableNumbers && (NUMBER.test(value) || PHONE.test(value))) return value;
	return `'${value}`;
}
