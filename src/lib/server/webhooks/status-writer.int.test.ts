import { createTestDatabase, createUser, type TestDatabase } from '@sms/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusReport } from './status-report.ts';
import { StatusWriter } from './status-writer.ts';
import { sealedPhone } from '@sms/db/testing';

/** A number's four sealed columns (enc, hash, last4, calling_code), as SQL parameters. */
const sealedValues = (e164: string) => {
	const p = sealedPhone(e164);
	return t.sql`${p.enc}::text, ${p.hash}::text, ${p.last4}::text, ${p.calling_code}::text`;
};

let t: TestDatabase;
let userId: string;
const sid = (n: number) => `SM${n.toString(16).padStart(32, 'a')}`;

function report(twilioSid: string, status: string, extra: Partial<StatusReport> = {}): StatusReport {
	return { sid: twilioSid, status, errorCode: null, errorMessage: null, price: null, priceUnit: null, payload: { MessageSid: twilioSid, MessageStatus: status }, ...extra };
}

async function message(twilioSid: string): Promise<string> {
	const [row] = await t.sql<{ id: string }[]>`
		insert into public.sms_messages (user_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, status, twilio_sid)
		values (${userId}, ${sealedValues('+15551230001')}, 'Hello', 'queued', ${twilioSid}) returning id`;
	return row.id;
}

beforeAll(async () => {
	t = await createTestDatabase();
	userId = await createUser(t.sql);
});
afterAll(async () => {
	await t?.close();
});

describe('StatusWriter', () => {
	it('writes reports that arrive together in fewer commits, each applied in arrival order per SID', async () => {
		const writer = new StatusWriter({ sql: t.sql });
		const ids = await Promise.all([1, 2, 3, 4, 5].map((n) => message(sid(n))));
		// Every message gets sent then delivered, all submitted in the same tick.
		const results = await Promise.all(
			[1, 2, 3, 4, 5].flatMap((n) => [writer.apply(report(sid(n), 'sent'), '203.0.113.7'), writer.apply(report(sid(n), 'delivered'), null)])
		);
		expect(results.every((r) => typeof r === 'object' && r !== null)).toBe(true);
		const rows = await t.sql<{ id: string; status: string; delivered: boolean; sent: boolean }[]>`
			select id, status, delivered_at is not null as delivered, sent_at is not null as sent
			from public.sms_messages where id in ${t.sql(ids)}`;
		expect(rows.map((r) => [r.status, r.sent, r.delivered])).toEqual(Array(5).fill(['delivered', true, true]));
		const [{ events }] = await t.sql<{ events: number }[]>`
			select count(*)::int as events from public.sms_delivery_events where message_id in ${t.sql(ids)}`;
		expect(events).toBe(10);
		// The first report is written alone (nothing was in flight); the other nine share one
		// transaction: the events' xmin says how many transactions wrote them.
		const [{ transactions }] = await t.sql<{ transactions: number }[]>`
			select count(distinct xmin::text)::int as transactions
			from public.sms_delivery_events where message_id in ${t.sql(ids)}`;
		expect(transactions).toBeLessThanOrEqual(2);
	});

	it('fails only the report at fault when one in a batch cannot be written', async () => {
		const writer = new StatusWriter({ sql: t.sql });
		const good = await message(sid(10));
		const results = await Promise.allSettled([
			writer.apply(report(sid(10), 'sent'), null),
			writer.apply(report(sid(11), 'sent', { price: '99999999999.5' }), null), // overflows numeric(10,5)
			writer.apply(report(sid(10), 'delivered'), null)
		]);
		expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
		const [row] = await t.sql<{ status: string }[]>`select status from public.sms_messages where id = ${good}`;
		expect(row.status).toBe('delivered');
	});
});
