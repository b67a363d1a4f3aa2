import { createHash } from 'node:crypto';
import type { Db } from '@sms/db';

/**
 * Replay protection. Twilio's signature has no timestamp, so a captured signed request could be
 * posted again at any time. A callback is known by two keys: its I-Twilio-Idempotency-Token
 * (Twilio's own retries repeat it) and a hash of what the signature covers (URL + body — the
 * token header is not signed, so a replay with a fresh token is still caught by the body).
 * Receipts are recorded only after the callback was applied: a delivery that failed (503) is
 * not a receipt, so Twilio's retry of it is applied, and no report is dropped.
 */
export interface Receipt {
	endpoint: 'status' | 'incoming';
	keys: Buffer[];
}

const sha256 = (...parts: string[]) => {
	const h = createHash('sha256');
	for (const p of parts) h.update(p).update('\u0000');
	return h.digest();
};

export function receiptFor(options: { endpoint: Receipt['endpoint']; url: URL; headers: Headers; rawBody: string }): Receipt {
	const keys = [sha256('body', options.endpoint, `${options.url.pathname}${options.url.search}`, options.rawBody)];
	const token = options.headers.get('i-twilio-idempotency-token');
	if (token && token.length <= 256) keys.push(sha256('token', options.endpoint, token));
	return { endpoint: options.endpoint, keys };
}

const hex = (receipt: Receipt) => receipt.keys.map((k) => k.toString('hex'));

export async function alreadyReceived(db: Db, receipt: Receipt): Promise<boolean> {
	const [row] = await db.service<{ seen: boolean }[]>`
		select public.webhook_receipt_seen(array(select decode(k, 'hex') from unnest(${hex(receipt)}::text[]) as k)) as seen`;
	return row?.seen ?? false;
}

export async function recordReceipt(db: Db, receipt: Receipt): Promise<void> {
	await db.service`
		select public.record_webhook_receipt(${receipt.endpoint}, array(select decode(k, 'hex') from unnest(${hex(receipt)}::text[]) as k))`;
}
