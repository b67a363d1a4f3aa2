/**
 * The console's message list against a real database, as members through RLS: every filter,
 * the one search box (name, e-mail, external id, any phone format, last four digits), keyset
 * pages without gaps, the total, and no row from another workspace.
 */
import { createTestDatabase, createUser, phoneColumns, type TestDatabase } from '@sms/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessageFilterError, parseMessageFilters } from './message-filters.ts';
import { encodeHistoryCursor } from '$lib/server/sms/history-query';
import { EXACT_COUNT_LIMIT, listMessages, messageWhere } from './messages.ts';

let t: TestDatabase;
let orgA: string;
let orgB: string;
let viewer: string;
let outsider: string;
let user: string;
const ids: Record<string, string> = {};
const claims = (sub: string) => ({ sub, role: 'authenticated' as const });
/** A number's four sealed columns, as values for `(…, phone_enc, phone_hash, phone_last4, calling_code, …)`. */
const ph = (e164: string) => {
	const p = phoneColumns(e164);
	return t.sql`${p.phone_enc}, ${p.phone_hash}, ${p.phone_last4}, ${p.calling_code}`;
};

async function org(slug: string, owner: string): Promise<string> {
	const [o] = await t.sql<{ id: string }[]>`insert into public.organizations (slug, name, default_time_zone) values (${slug}, ${slug}, 'America/Los_Angeles') returning id`;
	await t.sql`select public.add_organization_member(${o!.id}, ${owner}, 'owner')`;
	return o!.id;
}

async function text(label: string, o: string, recipient: { contact?: string; user?: string }, phone: string, status: string, extra: { error?: number; type?: string; at?: string } = {}) {
	const [row] = await t.sql<{ id: string }[]>`
		insert into public.sms_messages (organization_id, contact_id, user_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, status, error_code, notification_type, created_at)
		values (${o}, ${recipient.contact ?? null}, ${recipient.user ?? null}, ${ph(phone)}, ${label}, ${status}, ${extra.error ?? null},
			${extra.type ?? 'custom'}, ${extra.at ?? '2026-11-20T12:00:00.000001Z'}::timestamptz)
		returning id`;
	ids[label] = row!.id;
}

const page = (who: string, o: string, params: Record<string, string>, showNumbers = false) =>
	t.db.asUser(claims(who), (tx) =>
		listMessages(tx, o, parseMessageFilters(new URLSearchParams(params), { timeZone: 'America/Los_Angeles', defaultCountry: 'US' }), { showNumbers }));
const labels = async (params: Record<string, string>, who = viewer, o = orgA) =>
	(await page(who, o, params)).rows.map((r) => ids && Object.keys(ids).find((k) => ids[k] === r.id)).sort();

beforeAll(async () => {
	t = await createTestDatabase();
	viewer = await createUser(t.sql, { email: 'viewer@example.com' });
	outsider = await createUser(t.sql, { email: 'outsider@example.com' });
	user = await createUser(t.sql, { email: 'john.smith@example.com' });
	orgA = await org('console-a', viewer);
	orgB = await org('console-b', outsider);
	await t.sql`insert into public.sms_notification_types (key, label) values ('reminder', 'Reminder')`;
	const [john] = await t.sql<{ id: string }[]>`insert into public.contacts (organization_id, name, phone_enc, phone_hash, phone_last4, calling_code, external_id)
		values (${orgA}, 'John Smith', ${ph('+14155550123')}, 'crm-77') returning id`;
	const [mary] = await t.sql<{ id: string }[]>`insert into public.contacts (organization_id, name, phone_enc, phone_hash, phone_last4, calling_code)
		values (${orgA}, 'Mary Jones', ${ph('+447700900123')}) returning id`;
	const [other] = await t.sql<{ id: string }[]>`insert into public.contacts (organization_id, name, phone_enc, phone_hash, phone_last4, calling_code)
		values (${orgB}, 'John Other', ${ph('+14155550123')}) returning id`;
	await text('john1', orgA, { contact: john!.id }, '+14155550123', 'delivered', { at: '2026-11-20T10:00:00Z' });
	await text('john2', orgA, { contact: john!.id }, '+14155550123', 'undelivered', { error: 30003, type: 'reminder', at: '2026-11-21T10:00:00Z' });
	await text('mary1', orgA, { contact: mary!.id }, '+447700900123', 'failed', { error: 30005, at: '2026-11-22T10:00:00Z' });
	await text('user1', orgA, { user }, '+14155559876', 'sent', { at: '2026-11-23T10:00:00Z' });
	await text('other1', orgB, { contact: other!.id }, '+14155550123', 'delivered');
});
afterAll(async () => t?.close());

describe('listMessages', () => {
	it('lists only the workspace\'s texts, newest first, and nothing to a non-member', async () => {
		const p = await page(viewer, orgA, {});
		expect(p.rows.map((r) => r.id)).toEqual([ids.user1, ids.mary1, ids.john2, ids.john1]);
		expect(p.total).toEqual({ value: 4, exact: true });
		expect(p.rows[0]!.recipient).toMatchObject({ kind: 'user', email: 'john.smith@example.com' });
		// Numbers in full only for members allowed to see them (the page passes can.operate).
		expect(p.rows[3]!.recipient).toMatchObject({ kind: 'contact', name: 'John Smith', phone: '•••• 0123' });
		expect((await page(viewer, orgA, {}, true)).rows[3]!.recipient).toMatchObject({ phone: '+14155550123' });
		expect((await page(outsider, orgA, {})).rows).toHaveLength(0);
	});

	it('filters by verdict, raw status, type, error code, country and dates (days in the viewer\'s zone)', async () => {
		expect(await labels({ verdict: 'failed' })).toEqual(['john2', 'mary1']);
		// 'pending' (the overview's word): every text without a final word yet.
		expect(await labels({ verdict: 'pending' })).toEqual(['user1']);
		expect(await labels({ status: 'undelivered' })).toEqual(['john2']);
		expect(await labels({ type: 'reminder' })).toEqual(['john2']);
		expect(await labels({ error: '30005' })).toEqual(['mary1']);
		expect(await labels({ country: '+44' })).toEqual(['mary1']);
		expect(await labels({ country: '1' })).toEqual(['john1', 'john2', 'user1']);
		// 2026-11-21T10:00Z is the 21st in Los Angeles; the 23rd's 10:00Z is 02:00 there.
		expect(await labels({ from: '2026-11-21', to: '2026-11-22' })).toEqual(['john2', 'mary1']);
		expect(await labels({ provider: 'twilio' })).toEqual([]);
	});

	it('finds a recipient by name, external id, e-mail, any phone format and the last four digits', async () => {
		for (const q of ['john smith', 'crm-77', '+1 415-555-0123', '4155550123', '(415) 555 0123', '0123']) {
			expect(await labels({ q }), q).toEqual(q === '0123' ? ['john1', 'john2', 'mary1'] : ['john1', 'john2']);
		}
		expect(await labels({ q: 'JOHN.SMITH@example.com' })).toEqual(['user1']);
		expect(await labels({ q: '9876' })).toEqual(['user1']);
	});

	it('walks pages by keyset without gaps or repeats', async () => {
		const seen: string[] = [];
		let cursor: string | null = null;
		do {
			const p = await page(viewer, orgA, cursor ? { limit: '1', cursor } : { limit: '1' });
			seen.push(...p.rows.map((r) => r.id));
			cursor = p.next ? encodeHistoryCursor(p.next) : null;
		} while (cursor);
		expect(seen).toEqual([ids.user1, ids.mary1, ids.john2, ids.john1]);
	});

	it("counts and pages in SQL with RLS's answers: the same texts as the filter through RLS, for every filter; a non-member sees only their own", async () => {
		const cases: Record<string, string>[] = [
			{}, { verdict: 'failed' }, { verdict: 'pending' }, { verdict: 'delivered' }, { status: 'undelivered' }, { type: 'reminder' },
			{ error: '30005' }, { country: '44' }, { from: '2026-11-21', to: '2026-11-22' }, { provider: 'twilio' },
			{ q: 'o' }, { q: 'john smith' }, { q: 'JOHN.SMITH@example.com' }, { q: '4155550123' }, { q: '0123' }, { verdict: 'failed', q: 'o' }
		];
		for (const params of cases) {
			for (const [who, o] of [[viewer, orgA], [outsider, orgA], [viewer, orgB]] as const) {
				// (An e-mail search asks for the workspace's users, which refuses non-members outright.)
				if (who !== viewer || o !== orgA) if (params.q?.includes('@')) continue;
				const f = parseMessageFilters(new URLSearchParams(params), { timeZone: 'America/Los_Angeles', defaultCountry: 'US' });
				const [p, rls] = await t.db.asUser(claims(who), async (tx) => {
					const { where } = await messageWhere(tx, o, f);
					return [
						await listMessages(tx, o, f),
						(await tx<{ id: string }[]>`select m.id from public.sms_messages m where ${where} order by m.created_at desc, m.id desc`).map((r) => r.id)
					] as const;
				});
				const label = `${JSON.stringify(params)} as ${who === viewer ? 'viewer' : 'outsider'} in ${o === orgA ? 'A' : 'B'}`;
				expect(p.rows.map((r) => r.id), label).toEqual(rls);
				expect(p.total, label).toEqual({ value: rls.length, exact: true });
			}
		}
		// The user texted in workspace A is no member of it: RLS shows them their own text, and so
		// do the SQL functions (the console itself needs membership).
		const own = await t.db.asUser(claims(user), async (tx) => ({
			ids: (await tx<{ id: string }[]>`select id from public.console_message_ids(${orgA}::uuid, '{}'::jsonb, null, 10)`).map((r) => r.id),
			count: (await tx<{ value: string }[]>`select value from public.console_count_messages(${orgA}::uuid, '{}'::jsonb, 10)`)[0]!.value,
			rls: (await tx<{ id: string }[]>`select id from public.sms_messages where organization_id = ${orgA}`).map((r) => r.id)
		}));
		expect(own).toEqual({ ids: [ids.user1], count: '1', rls: [ids.user1] });
		// Pages merged from one range per status / per contact keep the order across pages.
		for (const params of [{ verdict: 'failed' }, { q: 'o' }] as Record<string, string>[]) {
			const seen: string[] = [];
			let cursor: string | null = null;
			do {
				const p = await page(viewer, orgA, cursor ? { ...params, limit: '1', cursor } : { ...params, limit: '1' });
				seen.push(...p.rows.map((r) => r.id));
				cursor = p.next ? encodeHistoryCursor(p.next) : null;
			} while (cursor);
			expect(seen).toEqual(params.q ? [ids.mary1, ids.john2, ids.john1] : [ids.mary1, ids.john2]);
		}
	});

	it('counts exactly up to EXACT_COUNT_LIMIT and labels an estimate beyond; verdicts follow the clock', async () => {
		const o = await org('list-many', viewer);
		const [c] = await t.sql<{ id: string }[]>`insert into public.contacts (organization_id, name, phone_enc, phone_hash, phone_last4, calling_code) values (${o}, 'Many', ${ph('+14155559999')}) returning id`;
		const sealed = Array.from({ length: EXACT_COUNT_LIMIT + 200 }, (_, i) => phoneColumns('+1415555' + String(i + 1).padStart(4, '0')));
		await t.sql`
			insert into public.sms_messages (organization_id, contact_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, status, scheduled_for, created_at)
			select ${o}, ${c!.id}, p.enc, p.hash, p.last4, p.cc, 'many',
				case when i <= 3 then 'pending' when i <= 5 then 'canceled' when i <= 7 then 'sent' else 'delivered' end,
				case when i = 1 then now() + interval '1 day' when i = 2 then now() - interval '1 day' end,
				timestamptz '2026-11-20T12:00:00Z' + i * interval '1 second'
			from unnest(${sealed.map((p) => p.phone_enc)}::text[], ${sealed.map((p) => p.phone_hash)}::text[], ${sealed.map((p) => p.phone_last4)}::text[],
				${sealed.map((p) => p.calling_code ?? '')}::text[]) with ordinality p (enc, hash, last4, cc, i)`;
		await t.sql`analyze public.sms_messages`;
		const all = await page(viewer, o, {});
		expect(all.total.exact).toBe(false);
		expect(all.total.value).toBeGreaterThan(EXACT_COUNT_LIMIT);
		// A viewer sees the last four digits of each number (the rest masked).
		const bodies = async (params: Record<string, string>) => (await page(viewer, o, params)).rows.map((r) => r.recipient.phone.slice(-4)).sort();
		expect(await bodies({ verdict: 'scheduled' })).toEqual(['0001']);
		expect(await bodies({ verdict: 'in_progress' })).toEqual(['0002', '0003', '0006', '0007']);
		expect(await bodies({ verdict: 'not_sent' })).toEqual(['0004', '0005']);
		expect(await bodies({ verdict: 'pending' })).toEqual(['0001', '0002', '0003', '0006', '0007']);
		expect((await page(viewer, o, { verdict: 'not_sent' })).total).toEqual({ value: 2, exact: true });
		const delivered = await page(viewer, o, { verdict: 'delivered' });
		expect(delivered.total.exact).toBe(false);
		expect(delivered.rows).toHaveLength(50);
	});

	it('refuses filters it cannot use, naming the parameter', () => {
		const parse = (p: Record<string, string>) => parseMessageFilters(new URLSearchParams(p), { timeZone: 'UTC', defaultCountry: 'US' });
		for (const [param, value] of [['verdict', 'maybe'], ['status', 'lost'], ['from', 'yesterday'], ['limit', '1000'], ['campaign', 'x'], ['q', '555'], ['cursor', 'zz']]) {
			expect(() => parse({ [param!]: value! }), param).toThrow(MessageFilterError);
			try {
				parse({ [param!]: value! });
			} catch (e) {
				expect((e as MessageFilterError).param).toBe(param);
			}
		}
	});
});

describe('messageDetail', () => {
	it('shows every field and the timeline in order, and nothing of another workspace', async () => {
		const { messageDetail } = await import('./message-detail.ts');
		await t.sql`insert into public.sms_delivery_events (message_id, raw_status, status, source, sender_ip, payload, received_at, error_code)
			values (${ids.john2!}, 'sent', 'sent', 'webhook', '203.0.113.9', ${t.sql.json({ MessageStatus: 'sent' })}, '2026-11-21T10:00:05Z', null),
				(${ids.john2!}, 'undelivered', 'undelivered', 'webhook', '203.0.113.9', ${t.sql.json({ MessageStatus: 'undelivered', ErrorCode: '30003' })}, '2026-11-21T10:00:09Z', 30003),
				(${ids.john2!}, 'queued', 'queued', 'api', null, null, '2026-11-21T10:00:01Z', null)`;
		const d = await t.db.asUser(claims(viewer), (tx) => messageDetail(tx, orgA, ids.john2!));
		expect(d?.message).toMatchObject({ body: 'john2', verdict: 'failed', error_code: 30003, notification_type: 'reminder' });
		expect(d?.events.map((e) => [e.rawStatus, e.source, e.ip])).toEqual([['queued', 'api', null], ['sent', 'webhook', '203.0.113.9'], ['undelivered', 'webhook', '203.0.113.9']]);
		expect(JSON.parse(d!.events[2]!.payload!)).toEqual({ MessageStatus: 'undelivered', ErrorCode: '30003' });
		expect(await t.db.asUser(claims(viewer), (tx) => messageDetail(tx, orgA, ids.other1!))).toBeNull();
		expect(await t.db.asUser(claims(outsider), (tx) => messageDetail(tx, orgA, ids.john2!))).toBeNull();
	});
});

describe('messageDetail: numbers in raw payloads', () => {
	it('stores To/From sealed; opens them only when the member may see numbers, masks them otherwise', async () => {
		const { messageDetail } = await import('./message-detail.ts');
		const { phoneCipher, sealPayload } = await import('@sms/db');
		const raw = { MessageSid: 'SMpayload', MessageStatus: 'delivered', To: '+14155550177', From: '+15005550006' };
		await t.sql`insert into public.sms_delivery_events (message_id, raw_status, status, source, payload, received_at)
			values (${ids.john1!}, 'delivered', 'delivered', 'webhook', ${t.sql.json(sealPayload(phoneCipher(), raw))}, '2026-11-21T10:00:05Z')`;
		const [stored] = await t.sql<{ payload: string }[]>`select payload::text from public.sms_delivery_events where payload ->> 'MessageSid' = 'SMpayload'`;
		expect(stored.payload).not.toContain('4155550177');
		const event = (d: Awaited<ReturnType<typeof messageDetail>>) => JSON.parse(d!.events.find((e) => e.payload?.includes('SMpayload'))!.payload!);
		const opened = await t.db.asUser(claims(viewer), (tx) => messageDetail(tx, orgA, ids.john1!, { showNumbers: true }));
		expect(event(opened)).toEqual(raw);
		expect(opened!.message.phone_number).toBe('+14155550123');
		// The sealed forms never reach the page.
		expect(Object.keys(opened!.message).filter((k) => k === 'phone_enc' || k === 'phone_hash')).toEqual([]);
		for (const masked of [
			await t.db.asUser(claims(viewer), (tx) => messageDetail(tx, orgA, ids.john1!, { showNumbers: false })),
			await t.db.asUser(claims(viewer), (tx) => messageDetail(tx, orgA, ids.john1!))
		]) {
			expect(event(masked)).toEqual({ ...raw, To: '•••• (hidden)', From: '•••• (hidden)' });
			expect(masked!.message.phone_number).toBe('•••• 0123');
		}
	});
});

describe('messageDetail: provider attempts', () => {
	it('shows each call to a provider (provider, outcome, error) among the reports, in time order, only to members', async () => {
		const { messageDetail } = await import('./message-detail.ts');
		await t.sql`insert into public.sms_send_attempts (message_id, organization_id, provider, outcome, reference, error_kind, error_code, error_message, started_at, finished_at)
			values (${ids.mary1!}, ${orgA}, 'sms-retail', 'refused', null, 'provider_unavailable', 'service_unavailable', 'Service temporarily unavailable.', '2026-11-22T10:00:01Z', '2026-11-22T10:00:02Z'),
				(${ids.mary1!}, ${orgA}, '23telecom', 'accepted', 'b5c0a7e2-0000-4000-8000-000000000001', null, null, null, '2026-11-22T10:00:02Z', '2026-11-22T10:00:03Z')`;
		await t.sql`insert into public.sms_delivery_events (message_id, provider, provider_reference, raw_status, status, source, received_at)
			values (${ids.mary1!}, '23telecom', 'b5c0a7e2-0000-4000-8000-000000000001', 'REJECTD', 'failed', 'webhook', '2026-11-22T10:00:09Z')`;
		const d = await t.db.asUser(claims(viewer), (tx) => messageDetail(tx, orgA, ids.mary1!));
		expect(d?.events.map((e) => [e.kind, e.provider, e.status])).toEqual([
			['attempt', 'sms-retail', 'refused'],
			['attempt', '23telecom', 'accepted'],
			['event', '23telecom', 'failed']
		]);
		expect(d?.events[0]).toMatchObject({ applied: false, errorMessage: 'provider_unavailable service_unavailable: Service temporarily unavailable.' });
		expect(d?.events[1]).toMatchObject({ applied: true, reference: 'b5c0a7e2-0000-4000-8000-000000000001' });
		// RLS: another workspace's member reads none of them, even directly.
		const seen = await t.db.asUser(claims(outsider), (tx) => tx`select id from public.sms_send_attempts where message_id = ${ids.mary1!}`);
		expect(seen).toHaveLength(0);
	});
});

describe('recipient history', () => {
	it("lists one recipient's texts newest first with the summary line's counts", async () => {
		const { loadRecipient, recipientSummary } = await import('./recipient.ts');
		const [john] = await t.sql<{ id: string }[]>`select id from public.contacts where external_id = 'crm-77'`;
		const r = { kind: 'contact' as const, id: john!.id };
		const result = await t.db.asUser(claims(viewer), async (tx) => ({
			who: await loadRecipient(tx, orgA, 'contact', john!.id, { showNumbers: true }),
			hidden: await loadRecipient(tx, orgA, 'contact', john!.id),
			summary: await recipientSummary(tx, orgA, r),
			page: await listMessages(tx, orgA, { ...parseMessageFilters(new URLSearchParams(), { timeZone: 'UTC', defaultCountry: 'US' }), recipient: r })
		}));
		expect(result.who).toMatchObject({ name: 'John Smith', phoneDisplay: '+1 415 555 0123' });
		expect(result.hidden).toMatchObject({ name: 'John Smith', phone: '•••• 0123', phoneDisplay: '•••• 0123' });
		expect(result.summary).toEqual({ sent: 2, delivered: 1, failed: 1 });
		expect(result.page.rows.map((x) => x.id)).toEqual([ids.john2, ids.john1]);
		const asUser = await t.db.asUser(claims(viewer), (tx) => loadRecipient(tx, orgA, 'user', user, { showNumbers: true }));
		expect(asUser).toMatchObject({ name: 'john.smith@example.com', phone: '+14155559876' });
		// Another workspace's contact, or a user who never got a text here: nobody.
		const [other] = await t.sql<{ id: string }[]>`select id from public.contacts where name = 'John Other'`;
		expect(await t.db.asUser(claims(viewer), (tx) => loadRecipient(tx, orgA, 'contact', other!.id))).toBeNull();
		expect(await t.db.asUser(claims(viewer), (tx) => loadRecipient(tx, orgA, 'user', outsider))).toBeNull();
	});
});
