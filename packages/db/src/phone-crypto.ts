/**
 * Phone numbers at rest: AES-256-GCM ciphertext + HMAC-SHA256 blind index + last four digits.
 *
 * The one place that holds the keys (web, worker and scripts all import this). Postgres never
 * sees a key: SQL stores the sealed value and compares blind indexes only (pgcrypto has no GCM,
 * and a key in the database would be readable by whoever reads the database).
 *
 * Stored forms (base64url, so no "+" ever appears — the plaintext scan relies on it):
 *   ciphertext   `p1.<keyId>.<iv>.<ciphertext+tag>`  (the key id travels with each value)
 *   blind index  `h1.<hmac-sha256(E.164)>`            (deterministic: equality and uniqueness)
 *
 * Keys (environment):
 *   PHONE_ENCRYPTION_KEYS   `id:base64key[,id:base64key…]`, 32-byte keys; old ones stay for reading
 *   PHONE_ENCRYPTION_KEY_ID the id new values are written with (default: the last listed)
 *   PHONE_INDEX_KEY         base64, 32 bytes; the blind-index key (not rotated by `phones:rotate`)
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export class PhoneCryptoError extends Error {
	readonly code: 'keys_missing' | 'keys_invalid' | 'unknown_key' | 'bad_ciphertext';
	constructor(code: PhoneCryptoError['code'], message: string) {
		super(message);
		this.name = 'PhoneCryptoError';
		this.code = code;
	}
}

const CIPHER_PREFIX = 'p1';
const INDEX_PREFIX = 'h1';
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
/** What the blind index and the encryption accept: E.164 shape (parity with validate/e164.ts). */
const E164 = /^\+[1-9]\d{6,14}$/;

export interface PhoneKeyConfig {
	/** key id → 32-byte key */
	keys: Record<string, string>;
	currentKeyId: string;
	indexKey: string;
}

/** The columns a sealed number is stored as. */
export interface SealedPhone {
	enc: string;
	hash: string;
	last4: string;
}

function decodeKey(value: string, what: string): Buffer {
	const buf = Buffer.from(value, 'base64');
	if (buf.length !== 32) throw new PhoneCryptoError('keys_invalid', `${what} must be 32 bytes, base64-encoded`);
	return buf;
}

export class PhoneCipher {
	readonly currentKeyId: string;
	readonly #keys: Map<string, Buffer>;
	readonly #index: Buffer;

	constructor(config: PhoneKeyConfig) {
		this.#keys = new Map();
		for (const [id, key] of Object.entries(config.keys)) {
			if (!KEY_ID.test(id)) throw new PhoneCryptoError('keys_invalid', `phone key id "${id}" must be 1-32 letters, digits, - or _`);
			this.#keys.set(id, decodeKey(key, `phone key ${id}`));
		}
		if (!this.#keys.has(config.currentKeyId)) {
			throw new PhoneCryptoError('keys_invalid', `PHONE_ENCRYPTION_KEY_ID "${config.currentKeyId}" is not among PHONE_ENCRYPTION_KEYS`);
		}
		this.currentKeyId = config.currentKeyId;
		this.#index = decodeKey(config.indexKey, 'PHONE_INDEX_KEY');
	}

	get keyIds(): string[] {
		return [...this.#keys.keys()];
	}

	/** AES-256-GCM under the current key; a fresh 96-bit IV per value. */
	encrypt(plain: string): string {
		const key = this.#keys.get(this.currentKeyId)!;
		const iv = randomBytes(12);
		const cipher = createCipheriv('aes-256-gcm', key, iv);
		const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
		return `${CIPHER_PREFIX}.${this.currentKeyId}.${iv.toString('base64url')}.${body.toString('base64url')}`;
	}

	decrypt(sealed: string): string {
		const parts = sealed.split('.');
		if (parts.length !== 4 || parts[0] !== CIPHER_PREFIX) {
			throw new PhoneCryptoError('bad_ciphertext', 'not an encrypted phone value');
		}
		const key = this.#keys.get(parts[1]);
		if (!key) throw new PhoneCryptoError('unknown_key', `phone key "${parts[1]}" is not configured (PHONE_ENCRYPTION_KEYS)`);
		const iv = Buffer.from(parts[2], 'base64url');
		const body = Buffer.from(parts[3], 'base64url');
		if (iv.length !== 12 || body.length < 17) throw new PhoneCryptoError('bad_ciphertext', 'encrypted phone value is truncated');
		try {
			const decipher = createDecipheriv('aes-256-gcm', key, iv);
			decipher.setAuthTag(body.subarray(body.length - 16));
			return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString('utf8');
		} catch {
			throw new PhoneCryptoError('bad_ciphertext', 'encrypted phone value failed its integrity check');
		}
	}

	/** Decrypts when given a sealed value; null stays null. */
	open(sealed: string | null | undefined): string | null {
		return sealed == null ? null : this.decrypt(sealed);
	}

	/** Keyed hash of the E.164 form: the same number always gives the same index. */
	blindIndex(e164: string): string {
		if (!E164.test(e164)) throw new PhoneCryptoError('bad_ciphertext', 'a blind index is computed from an E.164 number only');
		return `${INDEX_PREFIX}.${createHmac('sha256', this.#index).update(e164).digest('base64url')}`;
	}

	seal(e164: string): SealedPhone {
		const hash = this.blindIndex(e164);
		return { enc: this.encrypt(e164), hash, last4: e164.slice(-4) };
	}

	/** The key id a sealed value was written with. */
	static keyIdOf(sealed: string): string {
		return sealed.split('.')[1] ?? '';
	}
}

export function isSealedPhone(value: unknown): value is string {
	return typeof value === 'string' && value.startsWith(`${CIPHER_PREFIX}.`) && value.split('.').length === 4;
}

/** Reads the keys from the environment (see the module comment for the variables). */
export function phoneKeysFromEnv(env: NodeJS.ProcessEnv = process.env): PhoneKeyConfig {
	const list = env.PHONE_ENCRYPTION_KEYS?.trim();
	const indexKey = env.PHONE_INDEX_KEY?.trim();
	if (!list || !indexKey) {
		throw new PhoneCryptoError(
			'keys_missing',
			'PHONE_ENCRYPTION_KEYS and PHONE_INDEX_KEY must be set (npm start generates them into the data directory; see README "Security")'
		);
	}
	const keys: Record<string, string> = {};
	let last = '';
	for (const entry of list.split(',')) {
		const at = entry.indexOf(':');
		if (at <= 0) throw new PhoneCryptoError('keys_invalid', 'PHONE_ENCRYPTION_KEYS entries are id:base64key, comma-separated');
		last = entry.slice(0, at).trim();
		keys[last] = entry.slice(at + 1).trim();
	}
	return { keys, currentKeyId: env.PHONE_ENCRYPTION_KEY_ID?.trim() || last, indexKey };
}

export function phoneKeysToEnv(config: PhoneKeyConfig): Record<string, string> {
	return {
		PHONE_ENCRYPTION_KEYS: Object.entries(config.keys).map(([id, key]) => `${id}:${key}`).join(','),
		PHONE_ENCRYPTION_KEY_ID: config.currentKeyId,
		PHONE_INDEX_KEY: config.indexKey
	};
}

export function newPhoneKey(): string {
	return randomBytes(32).toString('base64');
}

/**
 * Local mode: keys generated once and kept in the data directory (readable by this user only),
 * like the session secret. Variables set in the environment win over the file.
 */
export async function localPhoneKeys(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<PhoneKeyConfig> {
	if (env.PHONE_ENCRYPTION_KEYS && env.PHONE_INDEX_KEY) return phoneKeysFromEnv(env);
	const file = path.join(dataDir, 'phone-keys.json');
	try {
		const saved = JSON.parse(await readFile(file, 'utf8')) as PhoneKeyConfig;
		new PhoneCipher(saved);
		return saved;
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
	}
	const config: PhoneKeyConfig = { keys: { k1: newPhoneKey() }, currentKeyId: 'k1', indexKey: newPhoneKey() };
	await mkdir(dataDir, { recursive: true });
	await writeFile(file, JSON.stringify(config, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
	return config;
}

let shared: PhoneCipher | undefined;

/** The process's cipher, from the environment; built on first use. */
export function phoneCipher(): PhoneCipher {
	shared ??= new PhoneCipher(phoneKeysFromEnv());
	return shared;
}

/** For tests and the rotation command: replace (or forget) the process's cipher. */
export function setPhoneCipher(cipher: PhoneCipher | undefined): void {
	shared = cipher;
}

/** "•••• 4567": the only form of a number that logs and unprivileged views get. */
export function maskedPhone(last4: string | null | undefined): string {
	return last4 ? `•••• ${last4}` : '••••';
}

const E164_IN_TEXT = /\+[1-9]\d{6,14}/g;

/**
 * Any E.164-looking number in free text (a provider's error message, a log line) cut to its
 * last four digits: "The 'To' number +14155550100 …" → "The 'To' number •••• 0100 …".
 */
export function redactPhoneNumbers(text: string): string {
	return text.replace(E164_IN_TEXT, (n) => maskedPhone(n.slice(-4)));
}

/** pino options that keep numbers out of the logs (fields named like a number, and messages). */
export const PHONE_LOG_REDACTION = {
	redact: {
		paths: ['phone', 'phoneNumber', 'phone_number', 'to', 'from', 'To', 'From', '*.phone', '*.phoneNumber', '*.phone_number', '*.to', '*.from', '*.To', '*.From'],
		censor: (value: unknown) => (typeof value === 'string' ? redactPhoneNumbers(value) : value)
	},
	hooks: {
		logMethod(this: unknown, args: unknown[], method: (...a: unknown[]) => void) {
			method.apply(this, args.map(redactLogArg));
		}
	}
};

function redactError(error: Error): Error {
	const copy = new Error(redactPhoneNumbers(error.message));
	copy.name = error.name;
	copy.stack = error.stack === undefined ? undefined : redactPhoneNumbers(error.stack);
	for (const [k, v] of Object.entries(error)) (copy as unknown as Record<string, unknown>)[k] = typeof v === 'string' ? redactPhoneNumbers(v) : v;
	return copy;
}

function redactLogArg(arg: unknown): unknown {
	if (typeof arg === 'string') return redactPhoneNumbers(arg);
	if (arg instanceof Error) return redactError(arg);
	if (arg && typeof arg === 'object' && !Array.isArray(arg)) {
		let copy: Record<string, unknown> | undefined;
		for (const [k, v] of Object.entries(arg)) {
			if (v instanceof Error) (copy ??= { ...(arg as Record<string, unknown>) })[k] = redactError(v);
		}
		return copy ?? arg;
	}
	return arg;
}
