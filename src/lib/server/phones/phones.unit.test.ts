import { describe, expect, it } from 'vitest';
import { PhoneNumberError } from '@sms/twilio-service';
import { newPhoneKey, PhoneCipher, phoneCipher, setPhoneCipher } from '@sms/db';
import { sealE164, sealPhoneInput } from './input.ts';
import { shownPhone } from './view.ts';

describe('sealPhoneInput', () => {
	it('normalises with the default country, then seals: the number is only in the ciphertext', () => {
		const p = sealPhoneInput('(415) 555-2671', 'US');
		expect(phoneCipher().decrypt(p.enc)).toBe('+14155552671');
		expect(p.hash).toBe(phoneCipher().blindIndex('+14155552671'));
		expect(p).toMatchObject({ last4: '2671', callingCode: '1' });
		expect(JSON.stringify(p)).not.toContain('4155552671');
	});

	it('the same number typed two ways has one blind index (equality, uniqueness, search)', () => {
		expect(sealPhoneInput('020 7183 8750', 'GB').hash).toBe(sealPhoneInput('+44 20 7183 8750').hash);
		expect(sealPhoneInput('+44 20 7183 8750').callingCode).toBe('44');
	});

	it('refuses what is not a number with the shared validator, without the number in the message', () => {
		expect(() => sealPhoneInput('call me', 'US')).toThrow(PhoneNumberError);
		expect(() => sealPhoneInput('4155552671')).toThrow(PhoneNumberError);
		let message = '';
		try {
			sealE164('14155552671');
		} catch (error) {
			expect(error).toBeInstanceOf(PhoneNumberError);
			message = (error as Error).message;
		}
		expect(message).not.toBe('');
		expect(message).not.toContain('4155552671');
	});
});

describe('shownPhone', () => {
	const p = sealE164('+14155552671');

	it('opens the number for members allowed to see numbers, masks it for the others', () => {
		expect(shownPhone(p.enc, p.last4, true)).toBe('+14155552671');
		expect(shownPhone(p.enc, p.last4, false)).toBe('•••• 2671');
		expect(shownPhone(null, null, true)).toBe('••••');
	});

	it('a value under a key no longer configured shows the mask instead of failing the page', () => {
		const other = new PhoneCipher({ keys: { gone: newPhoneKey() }, currentKeyId: 'gone', indexKey: newPhoneKey() });
		const before = phoneCipher();
		setPhoneCipher(other);
		const orphan = sealE164('+14155552671');
		setPhoneCipher(before);
		expect(shownPhone(orphan.enc, orphan.last4, true)).toBe('•••• 2671');
	});
});
