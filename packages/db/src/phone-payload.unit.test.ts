import { describe, expect, it } from 'vitest';
import { PhoneCipher, newPhoneKey } from './phone-crypto.ts';
import { maskPayload, openPayload, rotatePayload, sealPayload } from './phone-payload.ts';

const k1 = newPhoneKey();
const indexKey = newPhoneKey();
const cipher = new PhoneCipher({ keys: { k1 }, currentKeyId: 'k1', indexKey });

const twilio = { MessageSid: 'SM0123', MessageStatus: 'delivered', To: '+15551234567', From: '+15005550006', ErrorCode: '30003', Price: '-0.0075' };

describe('provider payloads', () => {
	it('seals To/From (and other providers’ number fields), leaves the rest as it was', () => {
		const sealed = sealPayload(cipher, { ...twilio, nested: { destination: '447700900123', list: ['+33612345678'] } });
		expect(JSON.stringify(sealed)).not.toMatch(/\+\d|447700900123|5551234567|5005550006|33612345678/);
		expect(sealed.MessageSid).toBe('SM0123');
		expect(sealed.ErrorCode).toBe('30003');
		expect(sealed.Price).toBe('-0.0075');
		expect(openPayload(cipher, sealed)).toEqual({ ...twilio, nested: { destination: '447700900123', list: ['+33612345678'] } });
	});

	it('masks for members who may not see numbers, and sealing twice changes nothing', () => {
		const sealed = sealPayload(cipher, twilio);
		expect(sealPayload(cipher, sealed)).toEqual(sealed);
		const masked = maskPayload(sealed);
		expect(masked.To).toBe('•••• (hidden)');
		expect(JSON.stringify(masked)).not.toContain('p1.');
	});

	it('rotation re-encrypts only values under an old key', () => {
		const sealed = sealPayload(cipher, twilio);
		expect(rotatePayload(cipher, sealed)).toBeNull();
		const next = new PhoneCipher({ keys: { k1, k2: newPhoneKey() }, currentKeyId: 'k2', indexKey });
		const rotated = rotatePayload(next, sealed)!;
		expect(PhoneCipher.keyIdOf(rotated.To)).toBe('k2');
		expect(openPayload(next, rotated)).toEqual(twilio);
	});
});
