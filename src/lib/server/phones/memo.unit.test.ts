import { describe, expect, it, vi } from 'vitest';
import { phoneCipher } from '@sms/db';
import * as view from '../phones/view.ts';
import { OPENED_PHONES_KEPT, shownPhones } from './memo.ts';

describe('shownPhones (an export opening numbers)', () => {
	it('opens each distinct sealed value once, shows the same as shownPhone, masks for viewers, and stays bounded', () => {
		const a = phoneCipher().encrypt('+14155550123');
		const b = phoneCipher().encrypt('+447700900123');
		const open = vi.spyOn(view, 'shownPhone');
		const shown = shownPhones(true);
		expect([shown(a, '0123'), shown(b, '0123'), shown(a, '0123'), shown(null, null)]).toEqual(['+14155550123', '+447700900123', '+14155550123', '••••']);
		expect(open.mock.calls.filter((c) => c[0] === a)).toHaveLength(1);
		expect(shownPhones(false)(a, '0123')).toBe('•••• 0123');
		const many = shownPhones(true);
		for (let i = 0; i <= OPENED_PHONES_KEPT; i++) many(phoneCipher().encrypt('+1415' + String(2000000 + i)), null);
		expect(many(a, '0123')).toBe('+14155550123');
		open.mockRestore();
	});
});
