import { describe, expect, it } from 'vitest';
import { PhoneCipher, newPhoneKey } from './phone-crypto.ts';
import { sealAuditJson } from './phone-audit.ts';
import { lastFourDigits, openRejectedCells, sealImportReport } from './phone-import-report.ts';

const cipher = new PhoneCipher({ keys: { u1: newPhoneKey() }, currentKeyId: 'u1', indexKey: newPhoneKey() });
const CLEAR = /\+[1-9]\d{6,14}/;

describe('sealAuditJson', () => {
	it('turns a contact row\'s clear phone_number into phone_enc + phone_hash and seals numbers elsewhere, once', () => {
		const row = { name: '+14155550100', phone_number: '+14155550101', attributes: { work: 'call +442071838750' }, tags: ['vip'] };
		const sealed = sealAuditJson(cipher, row) as Record<string, unknown>;
		expect(Object.keys(sealed).sort()).toEqual(['attributes', 'name', 'phone_enc', 'phone_hash', 'tags']);
		expect(cipher.decrypt(sealed.phone_enc as string)).toBe('+14155550101');
		expect(sealed.phone_hash).toBe(cipher.blindIndex('+14155550101'));
		expect(cipher.decrypt(sealed.name as string)).toBe('+14155550100');
		expect(JSON.stringify(sealed)).not.toMatch(CLEAR);
		expect(sealed.tags).toEqual(['vip']);
		expect(sealAuditJson(cipher, sealed)).toEqual(sealed);
	});

	it('leaves a workspace\'s sender numbers and rows without numbers as they are', () => {
		const org = { from_number: '+15005550006', name: 'Acme' };
		expect(sealAuditJson(cipher, org)).toEqual(org);
		expect(sealAuditJson(cipher, null)).toBeNull();
	});
});

describe('sealImportReport', () => {
	const report = {
		rows: 3,
		columns: [
			{ index: 0, header: 'name', variable: 'name', role: 'name' },
			{ index: 1, header: 'phone', variable: 'phone', role: 'phone' }
		],
		invalid: [
			{ row: 2, column: 'phone', value: '+44 20 7183 8750', reason: 'a landline', code: 'landline' },
			{ row: 3, column: 'name', value: '', reason: 'missing template variable: name', code: 'missing_variable' }
		],
		duplicateRows: [{ row: 4, keptRow: 1, phone: '+14155550101', value: '(415) 555-0101' }],
		rejected: [{ row: 2, values: ['Lee', '+44 20 7183 8750'], reason: 'number damaged by Excel: +14155550199 lost its last digits' }]
	};

	it('seals every rejected, invalid and duplicate cell with its last four; idempotent', () => {
		const sealed = sealImportReport(cipher, report);
		const text = JSON.stringify(sealed);
		for (const typed of ['7183 8750', '(415) 555-0101', 'Lee']) expect(text).not.toContain(typed);
		expect(text).not.toMatch(CLEAR);
		expect((sealed.invalid as { last4?: string | null }[]).map((x) => x.last4 ?? null)).toEqual(['8750', null]);
		expect(sealed.invalid[1]!.value).toBe('');
		expect(openRejectedCells(cipher, sealed.rejected[0]!.values)).toEqual(['Lee', '+44 20 7183 8750']);
		expect(sealed.rejected[0]!.reason).toBe('number damaged by Excel: •••• 0199 lost its last digits');
		expect(sealImportReport(cipher, sealed)).toEqual(sealed);
	});

	it('last four of what was typed', () => {
		expect([lastFourDigits('+1 (415) 555-0101'), lastFourDigits('call me'), lastFourDigits('12')]).toEqual(['0101', null, null]);
	});
});
