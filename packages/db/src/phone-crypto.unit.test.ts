import { mkdtemp, readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PhoneCipher, PhoneCryptoError, isSealedPhone, localPhoneKeys, newPhoneKey, phoneKeysFromEnv, phoneKeysToEnv } from './phone-crypto.ts';

const k1 = newPhoneKey();
const k2 = newPhoneKey();
const indexKey = newPhoneKey();

describe('PhoneCipher', () => {
	const cipher = new PhoneCipher({ keys: { k1 }, currentKeyId: 'k1', indexKey });

	it('round-trips a number and never repeats a ciphertext', () => {
		const a = cipher.encrypt('+15551234567');
		const b = cipher.encrypt('+15551234567');
		expect(a).not.toBe(b);
		expect(a).not.toContain('5551234567');
		expect(a).not.toContain('+');
		expect(isSealedPhone(a)).toBe(true);
		expect(PhoneCipher.keyIdOf(a)).toBe('k1');
		expect(cipher.decrypt(a)).toBe('+15551234567');
		expect(cipher.decrypt(b)).toBe('+15551234567');
	});

	it('refuses a tampered or truncated value', () => {
		const a = cipher.encrypt('+15551234567');
		const parts = a.split('.');
		const body = Buffer.from(parts[3], 'base64url');
		body[0] ^= 1;
		const tampered = [...parts.slice(0, 3), body.toString('base64url')].join('.');
		expect(() => cipher.decrypt(tampered)).toThrow(PhoneCryptoError);
		expect(() => cipher.decrypt('p1.k1.xx.yy')).toThrow(/truncated/);
		expect(() => cipher.decrypt('+15551234567')).toThrow(/not an encrypted/);
	});

	it('blind index: deterministic per number, keyed, distinct per number', () => {
		expect(cipher.blindIndex('+15551234567')).toBe(cipher.blindIndex('+15551234567'));
		expect(cipher.blindIndex('+15551234567')).not.toBe(cipher.blindIndex('+15551234568'));
		const other = new PhoneCipher({ keys: { k1 }, currentKeyId: 'k1', indexKey: newPhoneKey() });
		expect(other.blindIndex('+15551234567')).not.toBe(cipher.blindIndex('+15551234567'));
		expect(cipher.blindIndex('+15551234567')).toMatch(/^h1\.[A-Za-z0-9_-]{43}$/);
		expect(() => cipher.blindIndex('5551234567')).toThrow(PhoneCryptoError);
	});

	it('seal gives ciphertext, index and last four', () => {
		const s = cipher.seal('+447700900123');
		expect(s.last4).toBe('0123');
		expect(s.hash).toBe(cipher.blindIndex('+447700900123'));
		expect(cipher.decrypt(s.enc)).toBe('+447700900123');
	});

	it('after rotation, old values still open and new ones use the new key; the index is unchanged', () => {
		const old = cipher.encrypt('+15551234567');
		const rotated = new PhoneCipher({ keys: { k1, k2 }, currentKeyId: 'k2', indexKey });
		expect(rotated.decrypt(old)).toBe('+15551234567');
		const fresh = rotated.encrypt('+15551234567');
		expect(PhoneCipher.keyIdOf(fresh)).toBe('k2');
		expect(rotated.blindIndex('+15551234567')).toBe(cipher.blindIndex('+15551234567'));
		expect(() => cipher.decrypt(fresh)).toThrow(/not configured/);
	});

	it('refuses bad key configuration with a message that names the variable', () => {
		expect(() => new PhoneCipher({ keys: { k1: 'short' }, currentKeyId: 'k1', indexKey })).toThrow(/32 bytes/);
		expect(() => new PhoneCipher({ keys: { k1 }, currentKeyId: 'k9', indexKey })).toThrow(/PHONE_ENCRYPTION_KEY_ID/);
		expect(() => phoneKeysFromEnv({})).toThrow(/PHONE_ENCRYPTION_KEYS/);
	});
});

describe('keys from the environment and the data directory', () => {
	it('parses the list, the current id defaulting to the last', () => {
		const env = phoneKeysToEnv({ keys: { k1, k2 }, currentKeyId: 'k2', indexKey });
		expect(phoneKeysFromEnv({ ...env, PHONE_ENCRYPTION_KEY_ID: '' })).toEqual({ keys: { k1, k2 }, currentKeyId: 'k2', indexKey });
		expect(phoneKeysFromEnv({ ...env, PHONE_ENCRYPTION_KEY_ID: 'k1' }).currentKeyId).toBe('k1');
	});

	it('local mode generates the keys once, keeps them private, and reuses them', async () => {
		const dir = await mkdtemp(path.join(os.tmpdir(), 'phone-keys-'));
		const first = await localPhoneKeys(dir, {});
		const again = await localPhoneKeys(dir, {});
		expect(again).toEqual(first);
		expect((await stat(path.join(dir, 'phone-keys.json'))).mode & 0o777).toBe(0o600);
		expect(JSON.parse(await readFile(path.join(dir, 'phone-keys.json'), 'utf8'))).toEqual(first);
		const cipher = new PhoneCipher(first);
		expect(cipher.decrypt(new PhoneCipher(again).encrypt('+15550001111'))).toBe('+15550001111');
	});
});

describe('numbers kept out of logs and error messages', () => {
	it('cuts numbers in free text to their last four', async () => {
		const { redactPhoneNumbers } = await import('./phone-crypto.ts');
		expect(redactPhoneNumbers("The 'To' number +14155550100 is not a valid phone number.")).toBe("The 'To' number •••• 0100 is not a valid phone number.");
		expect(redactPhoneNumbers('no number here: SM123, 30003')).toBe('no number here: SM123, 30003');
	});

	it('a logger with PHONE_LOG_REDACTION writes no number, whatever field or message carries it', async () => {
		const { pino } = await import('pino');
		const { PHONE_LOG_REDACTION } = await import('./phone-crypto.ts');
		const lines: string[] = [];
		const logger = pino({ ...PHONE_LOG_REDACTION }, { write: (l: string) => void lines.push(l) });
		logger.info({ to: '+14155550100', nested: { phoneNumber: '+442071838750' }, err: new Error('number +33612345678 refused') }, 'sending to +15551234567');
		logger.warn('raw %s', '+15557654321');
		const out = lines.join('');
		expect(out).not.toMatch(/4155550100|442071838750|33612345678|5551234567|5557654321/);
		expect(out).toContain('•••• 0100');
		expect(out).toContain('•••• 4567');
	});
});
