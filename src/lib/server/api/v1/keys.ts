import { createHash, randomBytes } from 'node:crypto';

/**
 * API key format: `sk_live_` + 8 visible characters (the prefix shown in the settings list) +
 * `_` + 32 random base62-ish characters. Only the SHA-256 of the whole key is stored: the key
 * has ~190 bits of randomness, so a fast hash is enough (no brute force of the space).
 */
export const KEY_PATTERN = /^sk_live_([A-Za-z0-9]{8})_([A-Za-z0-9]{32})$/;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomString(length: number): string {
	// Rejection sampling: 248 is the largest multiple of 62 below 256, so every character is equally likely.
	let out = '';
	while (out.length < length) {
		for (const b of randomBytes(length * 2)) {
			if (b < 248 && out.length < length) out += ALPHABET[b % 62];
		}
	}
	return out;
}

export interface NewApiKey {
	/** Shown once, never stored. */
	secret: string;
	/** Stored and shown: `sk_live_AbCd1234`. */
	prefix: string;
	hash: string;
}

export function generateApiKey(): NewApiKey {
	const visible = randomString(8);
	const secret = `sk_live_${visible}_${randomString(32)}`;
	return { secret, prefix: `sk_live_${visible}`, hash: hashApiKey(secret) };
}

export function hashApiKey(secret: string): string {
	return createHash('sha256').update(secret).digest('hex');
}

/** The key from `Authorization: Bearer …`, or null when absent or not shaped like one of ours. */
export function bearerKey(header: string | null): string | null {
	const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
	if (!m || !KEY_PATTERN.test(m[1])) return null;
	return m[1];
}

/** The visible part of a well-formed key ("sk_live_AbCd1234"). */
export function keyPrefix(secret: string): string {
	return secret.slice(0, 'sk_live_'.length + 8);
}
