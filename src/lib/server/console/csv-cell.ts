/**
 * Spreadsheet formula injection: a cell starting with = + - @ tab or CR is run as a formula by
 * Excel, LibreOffice and Google Sheets, so it gets a leading apostrophe (shown as text).
 * Except cells that are only a number ("-0.0079", a price) or only a phone number
 * ("+1 415 555 0123", "+14155550123"): digits, spaces, dots, dashes and parentheses cannot
 * call a function or reach a cell, and an apostrophe would make them unreadable as what
 * they are to every other program reading the file.
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const NUMBER = /^[+-]?\d+(\.\d+)?$/;
const PHONE = /^\+\d[\d ().-]*\d$/;

export function safeCell(value: string): string {
	if (!FORMULA_START.test(value) || NUMBER.test(value) || PHONE.test(value)) return value;
	return `'${value}`;
}
