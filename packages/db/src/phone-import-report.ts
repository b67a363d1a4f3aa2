/**
 * A campaign upload's report as stored (sms_campaign_imports.report). The rows that will not be
 * texted keep their cells so the uploader can fix and upload them again, and a rejected cell is
 * often a real number (a landline, an opted-out mobile, a duplicate). Those cells are stored
 * sealed under the phone keys (so rotation re-encrypts them), each with the last four digits of
 * its number cell for display; they are opened only for members allowed to see numbers.
 *
 *   invalid[]        { row, column, value: sealed cell (or ''), last4, reason, code }
 *   duplicateRows[]  { row, keptRow, phone: sealed E.164, value: sealed cell, last4 }
 *   rejected[]       { row, values: sealed JSON array of the row's cells, last4, reason }
 *
 * Reasons stay readable (the campaign preview shows them), with any number in them masked.
 */
import { PhoneCipher, isSealedPhone, redactPhoneNumbers } from './phone-crypto.ts';

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const isObj = (v: Json | undefined): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The last four digits of what was typed, or null when it has fewer. */
export function lastFourDigits(cell: string): string | null {
	const digits = cell.replace(/\D/g, '');
	return digits.length >= 4 ? digits.slice(-4) : null;
}

const seal = (cipher: PhoneCipher, v: Json | undefined): Json => (typeof v === 'string' && v !== '' && !isSealedPhone(v) ? cipher.encrypt(v) : (v ?? ''));
const reason = (v: Json | undefined): Json => (typeof v === 'string' ? redactPhoneNumbers(v) : (v ?? null));

function phoneIndex(report: Obj): number | null {
	const columns = report.columns;
	if (!Array.isArray(columns)) return null;
	const phone = columns.find((c) => isObj(c) && c.role === 'phone');
	return isObj(phone) && typeof phone.index === 'number' ? phone.index : null;
}

/** A copy of the report with every rejected, invalid and duplicate cell sealed (idempotent). */
export function sealImportReport<T>(cipher: PhoneCipher, report: T): T {
	if (!isObj(report as Json)) return report;
	const r = { ...(report as Obj) };
	const phoneAt = phoneIndex(r);
	if (Array.isArray(r.invalid)) {
		r.invalid = r.invalid.map((x) => {
			if (!isObj(x)) return x;
			const value = typeof x.value === 'string' ? x.value : '';
			const last4 = isSealedPhone(value) ? (x.last4 ?? null) : lastFourDigits(value);
			return { ...x, value: seal(cipher, value), last4, reason: reason(x.reason) };
		});
	}
	if (Array.isArray(r.duplicateRows)) {
		r.duplicateRows = r.duplicateRows.map((x) => {
			if (!isObj(x)) return x;
			const phone = typeof x.phone === 'string' ? x.phone : '';
			const last4 = isSealedPhone(phone) ? (x.last4 ?? null) : lastFourDigits(phone);
			return { ...x, phone: seal(cipher, phone), value: seal(cipher, x.value), last4 };
		});
	}
	if (Array.isArray(r.rejected)) {
		r.rejected = r.rejected.map((x) => {
			if (!isObj(x) || !Array.isArray(x.values)) return isObj(x) ? { ...x, reason: reason(x.reason) } : x;
			const cells = x.values.map((c) => (typeof c === 'string' ? c : String(c ?? '')));
			const last4 = phoneAt === null ? null : lastFourDigits(cells[phoneAt] ?? '');
			return { ...x, values: cipher.encrypt(JSON.stringify(cells)), last4, reason: reason(x.reason) };
		});
	}
	return r as T;
}

/** A stored rejected row's cells (a sealed JSON array, or the array of a report not yet sealed). */
export function openRejectedCells(cipher: PhoneCipher, values: unknown): string[] {
	if (Array.isArray(values)) return values.map((c) => (typeof c === 'string' ? c : String(c ?? '')));
	if (typeof values !== 'string' || !isSealedPhone(values)) return [];
	const cells: unknown = JSON.parse(cipher.decrypt(values));
	return Array.isArray(cells) ? cells.map((c) => (typeof c === 'string' ? c : String(c ?? ''))) : [];
}
