/**
 * sms_message_rollups (issue 12): after any mix of queueing (single and bulk), worker
 * transitions, status reports in any order, duplicated and concurrent reports, retries and
 * deletions, the rollups equal what counting sms_messages gives. The expected side is computed
 * here in TypeScript from the raw rows (calling codes by libphonenumber-js), not by the SQL
 * under test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCountries, getCountryCallingCode, parsePhoneNumberFromString } from 'libphonenumber-js';
import { createTestDatabase, type TestDatabase } from '@sms/db/testing';
import { asPerson, createPerson, nextSid, openPhone, phoneValues, type Person } from './fixtures.ts';
import { createOrganization } from './workspace-fixtures.ts';
import { actualOverview, expectedOverview, nonZero } from './overview-rollup-sums.ts';

let t: TestDatabase;
let orgs: string[];
let people: Person[];
let outsider: Person;
const contacts: { id: string; org: string }[] = [];
const TYPES = ['custom', 'rollup_reminder', 'rollup_alert'];
const PHONES = ['+1415555', '+4420794', '+3531234', '+6129374', '+9715012'];

/** mulberry32: a small seeded PRNG, so a failing run can be replayed from its seed. */
function rng(seed: number) {
	let a = seed >>> 0;
	const next = () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let x = Math.imul(a ^ (a >>> 15), 1 | a);
		x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
		return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
	};
	return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: T[]): T => xs[Math.floor(next() * xs.length)]! };
}

beforeAll(async () => {
	t = await createTestDatabase();
	for (const key of TYPES.slice(1)) {
		await t.sql`insert into public.sms_notification_types (key, label, category) values (${key}, ${key}, 'transactional')`;
	}
	people = [await createPerson(t.sql, 'r-owner'), await createPerson(t.sql, 'r-two')];
	outsider = await createPerson(t.sql, 'r-outsider');
	orgs = [await createOrganization(t.sql, people[0]!, 'rollup-a'), await createOrganization(t.sql, people[1]!, 'rollup-b')];
	let n = 0;
	for (const org of orgs) {
		for (const prefix of PHONES) {
			n += 1;
			const phone = `${prefix}${String(1000 + n).padStart(4, '0')}`.slice(0, 13);
			const [c] = await t.sql<{ id: string }[]>`insert into public.contacts (organization_id, name, phone_enc, phone_hash, phone_last4, calling_code)
				values (${org}, ${'Contact ' + n}, ${phoneValues(t.sql, phone)}) returning id`;
			contacts.push({ id: c!.id, org });
		}
	}
});

afterAll(async () => {
	await t?.close();
});

type Key = string;
interface Measures {
	messages: number;
	segments: number;
	price: number;
	priced: number;
	latency_count: number;
	latency_ms: number;
}

async function expected(): Promise<Map<Key, Measures>> {
	const rows = await t.sql<
		{ org: string; bucket: Date; status: string; type: string; provider: string; phone_enc: string | null; forgotten_code: string | null; segments: number | null; price: string | null; latency: string | null }[]
	>`select organization_id as org, date_trunc('hour', created_at) as bucket, status, notification_type as type,
			coalesce(to_jsonb(m) ->> 'provider', case when twilio_sid is not null then 'twilio' end, '') as provider,
			phone_enc, case when recipient_redacted_at is not null then calling_code end as forgotten_code, segments, price::text as price,
			case when status = 'delivered' and sent_at is not null and delivered_at is not null
				then (extract(epoch from delivered_at - sent_at) * 1000)::text end as latency
		from public.sms_messages m where direction = 'outbound' and organization_id is not null`;
	const out = new Map<Key, Measures>();
	for (const r of rows) {
		// A forgotten recipient's text keeps only its calling code; the others' is derived here from the opened number.
		const code = r.phone_enc === null ? (r.forgotten_code ?? '') : (parsePhoneNumberFromString(openPhone(r.phone_enc))?.countryCallingCode ?? '');
		const key = [r.org, r.bucket.toISOString(), r.status, r.type, r.provider, code].join('|');
		const m = out.get(key) ?? { messages: 0, segments: 0, price: 0, priced: 0, latency_count: 0, latency_ms: 0 };
		m.messages += 1;
		m.segments += r.segments ?? 0;
		if (r.price !== null) {
			m.price += Number(r.price);
			m.priced += 1;
		}
		if (r.latency !== null) {
			m.latency_count += 1;
			m.latency_ms += Math.max(0, Math.round(Number(r.latency)));
		}
		out.set(key, m);
	}
	return out;
}

async function actual(): Promise<Map<Key, Measures>> {
	const rows = await t.sql<
		{ org: string; bucket: Date; status: string; type: string; provider: string; code: string; messages: string; segments: string; price: string; priced: string; latency_count: string; latency_ms: string }[]
	>`select organization_id as org, bucket, status, notification_type as type, provider, calling_code as code,
			sum(messages) as messages, sum(segments) as segments, sum(price) as price, sum(priced) as priced,
			sum(latency_count) as latency_count, sum(latency_ms) as latency_ms
		from public.sms_message_rollups group by 1, 2, 3, 4, 5, 6`;
	const out = new Map<Key, Measures>();
	for (const r of rows) {
		const m = {
			messages: Number(r.messages), segments: Number(r.segments), price: Number(r.price),
			priced: Number(r.priced), latency_count: Number(r.latency_count), latency_ms: Number(r.latency_ms)
		};
		if (Object.values(m).every((v) => v === 0)) continue; // a bucket every text has left
		out.set([r.org, r.bucket.toISOString(), r.status, r.type, r.provider, r.code].join('|'), m);
	}
	return out;
}

function sorted(map: Map<Key, Measures>) {
	return [...map.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, m]) => ({ k, ...m, price: Math.round(m.price * 1e5) }));
}

interface Sent {
	id: string;
	sid?: string;
}

/** One random step; steps the rules refuse (a retry of a delivered text, ...) fail harmlessly. */
async function step(r: ReturnType<typeof rng>, pool: Sent[], reports: unknown[][]): Promise<void> {
	const sql = t.sql;
	const ignore = () => undefined;
	const kind = r.int(13);
	if (kind <= 1 || pool.length === 0) {
		const c = r.pick(contacts);
		const [{ id }] = await sql<{ id: string }[]>`select public.queue_sms_message(p_user_id => null, p_phone_sealed => null,
			p_message => 'hello', p_notification_type => ${r.pick(TYPES)}, p_organization_id => ${c.org}::uuid,
			p_contact_id => ${c.id}::uuid,
			p_scheduled_for => ${r.int(4) === 0 ? new Date(Date.now() + 3_600_000) : null}) as id`;
		pool.push({ id });
		return;
	}
	if (kind === 2) {
		const rows = Array.from({ length: 1 + r.int(4) }, () => {
			const c = r.pick(contacts);
			return { contact_id: c.id, organization_id: c.org, message: 'bulk hello', notification_type: r.pick(TYPES) };
		});
		// Sometimes to a user, who is in the default workspace.
		const out = await sql<{ id: string | null }[]>`select (x ->> 'id') as id
			from jsonb_array_elements(public.queue_sms_messages_bulk(${sql.json(rows)})) x`.catch(() => []);
		for (const row of out) if (row.id) pool.push({ id: row.id });
		return;
	}
	const m = r.pick(pool);
	switch (kind) {
		case 3:
			await sql`select public.mark_sms_dispatching(${m.id})`.catch(ignore);
			return;
		case 4: {
			const sid = nextSid();
			// As the worker does: dispatching, then Twilio's answer (refused unless dispatching).
			if (r.int(2)) await sql`select public.mark_sms_dispatching(${m.id})`.catch(ignore);
			const ok = await sql`select public.attach_sms_sid(${m.id}, ${sid}, 'queued', ${1 + r.int(3)}, 'GSM-7')`.then(() => true, () => false);
			if (ok) m.sid = sid;
			return;
		}
		case 5:
		case 6:
		case 7: {
			if (!m.sid) return;
			const status = r.pick(['queued', 'sending', 'sent', 'delivered', 'undelivered', 'failed', 'sent', 'delivered']);
			const failed = status === 'failed' || status === 'undelivered';
			const args = [m.sid, status, failed ? 30003 : null, failed ? 'Unreachable' : null, r.int(2) ? '-0.00790' : null];
			reports.push(args);
			await sql`select public.apply_sms_status(${args[0] as string}, ${args[1] as string}, ${args[2] as number | null},
				${args[3] as string | null}, p_price => ${args[4] as string | null}::numeric, p_price_unit => 'USD')`.catch(ignore);
			return;
		}
		case 8: {
			// A duplicate of an earlier report, possibly out of order.
			if (reports.length === 0) return;
			const args = r.pick(reports);
			await sql`select public.apply_sms_status(${args[0] as string}, ${args[1] as string}, ${args[2] as number | null},
				${args[3] as string | null}, p_price => ${args[4] as string | null}::numeric, p_price_unit => 'USD')`.catch(ignore);
			return;
		}
		case 9:
			await sql`select public.mark_sms_failed(${m.id}, 20429, 'Too many requests')`.catch(ignore);
			return;
		case 10: {
			const which = r.int(3);
			if (which === 0) await sql`select public.cancel_sms_message(${m.id})`.catch(ignore);
			else if (which === 1) await sql`select public.mark_sms_suppressed(${m.id}, 'quiet hours')`.catch(ignore);
			else await sql`select public.mark_sms_scheduled(${m.id}, ${new Date(Date.now() + 60_000)}, 'quiet hours')`.catch(ignore);
			return;
		}
		case 11:
			// Compaction runs beside everything else (the worker's sweep).
			await t.db.asService((tx) => tx`select public.compact_sms_message_rollups()`);
			await t.db.asService((tx) => tx`select public.compact_sms_overview_rollups()`);
			return;
		default: {
			const out = await t.db
				.asService((tx) => tx<{ id: string }[]>`select public.retry_sms_message(${m.id}) as id`)
				.catch(() => []);
			for (const row of out) pool.push({ id: row.id });
		}
	}
}

describe('sms_message_rollups', () => {
	for (const seed of [1, 2, 3, 4]) {
		it(`equal the raw counts after a random run (seed ${seed}), with steps run concurrently`, async () => {
			const r = rng(seed);
			const pool: Sent[] = [];
			const reports: unknown[][] = [];
			for (let round = 0; round < 40; round++) {
				// Several steps at once: concurrent transactions on the same rollup rows.
				await Promise.all(Array.from({ length: 1 + r.int(5) }, () => step(r, pool, reports)));
			}
			const want = await expected();
			// The run reached the interesting states (else the equality below proves little).
			const statuses = new Set([...want.keys()].map((k) => k.split('|')[2]));
			for (const s of ['pending', 'delivered', 'failed']) expect(statuses).toContain(s);
			expect([...want.values()].some((m) => m.latency_count > 0 && m.priced > 0)).toBe(true);
			expect(sorted(await actual())).toEqual(sorted(want));
			// The overview's latency histogram and failure reasons, likewise.
			const overview = nonZero(await expectedOverview(t.sql));
			expect(Object.keys(overview).some((k) => k.includes('|latency:'))).toBe(true);
			expect(Object.keys(overview).some((k) => k.includes('|error:'))).toBe(true);
			expect(nonZero(await actualOverview(t.sql))).toEqual(overview);
		});
	}

	it('one INSERT of many texts in every state (as a campaign start or a backfill writes them) adds exactly those texts', async () => {
		// The insert triggers read the statement's rows once, from the transition table: final
		// texts (with latency, price, error codes) and waiting ones, two workspaces, one statement.
		const rows = contacts.slice(0, 8).map((c, i) => ({
			contact: c.id,
			status: ['pending', 'suppressed', 'delivered', 'failed', 'undelivered', 'canceled', 'delivered', 'sent'][i]!,
			type: TYPES[i % TYPES.length]!,
			sid: i % 4 === 2 ? nextSid() : null,
			provider: i % 4 === 3 ? 'sms-retail' : null,
			error: [null, null, null, 30003, 30005, null, null, null][i],
			price: i >= 2 && i !== 5 ? (0.0079 * (i - 1)).toFixed(5) : null,
			segments: 1 + (i % 3),
			latency: i === 2 ? 3200 : i === 6 ? 950 : null
		}));
		await t.sql`
			insert into public.sms_messages (contact_id, organization_id, phone_enc, phone_hash, phone_last4, calling_code, message_content,
				status, notification_type, priority, twilio_sid, provider, error_code, price, segments, sent_at, delivered_at, failed_at)
			select c.id, c.organization_id, c.phone_enc, c.phone_hash, c.phone_last4, c.calling_code, 'One statement',
				r.status, r.type, 'low', r.sid, r.provider, r.error, r.price, r.segments,
				case when r.status in ('delivered', 'sent', 'undelivered') then now() - make_interval(secs => coalesce(r.latency, 0) / 1000.0) end,
				case when r.status = 'delivered' then now() end,
				case when r.status in ('failed', 'undelivered') then now() end
			from jsonb_to_recordset(${t.sql.json(rows)}) as r(contact uuid, status text, type text, sid text, provider text, error integer,
				price numeric, segments integer, latency integer)
			join public.contacts c on c.id = r.contact`;
		expect(sorted(await actual())).toEqual(sorted(await expected()));
		const overview = nonZero(await expectedOverview(t.sql));
		expect(Object.keys(overview).some((k) => k.includes('|latency:'))).toBe(true);
		expect(Object.keys(overview).some((k) => k.includes('|error:30005'))).toBe(true);
		expect(nonZero(await actualOverview(t.sql))).toEqual(overview);
	});

	it('compaction folds each key into one row and keeps every sum', async () => {
		const before = sorted(await actual());
		const [{ n: rows }] = await t.sql<{ n: number }[]>`select count(*)::int as n from public.sms_message_rollups`;
		const [{ removed }] = await t.db.asService((tx) => tx<{ removed: string }[]>`select public.compact_sms_message_rollups() as removed`);
		const [{ n: after, keys }] = await t.sql<{ n: number; keys: number }[]>`select count(*)::int as n,
			count(distinct (organization_id, bucket, status, notification_type, provider, calling_code))::int as keys
			from public.sms_message_rollups`;
		expect(after).toBe(keys);
		expect(after).toBe(rows - Number(removed));
		expect(after).toBe(before.length);
		expect(sorted(await actual())).toEqual(before);
		expect(before).toEqual(sorted(await expected()));
		const overview = nonZero(await actualOverview(t.sql));
		await t.db.asService((tx) => tx`select public.compact_sms_overview_rollups()`);
		const [{ n: latencyRows, latencyKeys }] = await t.sql<{ n: number; latencyKeys: number }[]>`select count(*)::int as n,
			count(distinct (organization_id, bucket, latency_bucket))::int as "latencyKeys" from public.sms_latency_rollups`;
		expect(latencyRows).toBe(latencyKeys);
		const [{ n: overviewRows, overviewKeys }] = await t.sql<{ n: number; overviewKeys: number }[]>`select count(*)::int as n,
			count(distinct (organization_id, kind, bucket, status, notification_type, calling_code, latency_bucket, error_code))::int
				as "overviewKeys" from public.sms_overview_rollups`;
		expect(overviewRows).toBe(overviewKeys);
		expect(nonZero(await actualOverview(t.sql))).toEqual(overview);
		expect(overview).toEqual(nonZero(await expectedOverview(t.sql)));
	});

	it('follow deletions: a forgotten contact keeps its (canceled, redacted) texts, a deleted workspace takes its rollups', async () => {
		const c = contacts.find((x) => x.org === orgs[1])!;
		await t.sql`select public.queue_sms_message(p_user_id => null, p_phone_sealed => null, p_message => 'bye',
			p_organization_id => ${c.org}::uuid, p_contact_id => ${c.id}::uuid)`;
		await t.db.asService((tx) => tx`select public.forget_contact(${c.id})`);
		expect(sorted(await actual())).toEqual(sorted(await expected()));
		await t.sql`delete from public.organizations where id = ${orgs[1]!}`;
		const [{ n }] = await t.sql<{ n: number }[]>`select count(*)::int as n from public.sms_message_rollups where organization_id = ${orgs[1]!}`;
		expect(n).toBe(0);
		expect(sorted(await actual())).toEqual(sorted(await expected()));
		expect(nonZero(await actualOverview(t.sql))).toEqual(nonZero(await expectedOverview(t.sql)));
	});

	it("members read their workspace's rollups, nobody else's, and nobody writes them", async () => {
		const [{ n: total }] = await t.sql<{ n: number }[]>`select count(*)::int as n from public.sms_message_rollups where organization_id = ${orgs[0]!}`;
		expect(total).toBeGreaterThan(0);
		const mine = await asPerson(t, people[0]!, (tx) => tx<{ org: string }[]>`select distinct organization_id as org from public.sms_message_rollups`);
		expect(mine.map((x) => x.org)).toEqual([orgs[0]]);
		const theirs = await asPerson(t, outsider, (tx) => tx`select 1 from public.sms_message_rollups`);
		expect(theirs).toHaveLength(0);
		const write = await asPerson(t, people[0]!, (tx) => tx`update public.sms_message_rollups set messages = 0`).catch((e: { code?: string }) => e.code);
		expect(write).toBe('42501');
		const service = await t.db.asService((tx) => tx`delete from public.sms_message_rollups`).catch((e: { code?: string }) => e.code);
		expect(service).toBe('42501');
	});

	it('e164_calling_code agrees with libphonenumber-js', async () => {
		const phones = ['+14155550123', '+447911123456', '+353861234567', '+971501234567', '+79161234567', '+8613812345678', '+2348031234567'];
		const rows = await t.sql<{ p: string; c: string | null }[]>`select p, public.e164_calling_code(p) as c from unnest(${phones}::text[]) p`;
		expect(rows.map((x) => x.c)).toEqual(phones.map((p) => parsePhoneNumberFromString(p)!.countryCallingCode));
	});

	it('e164_calling_code finds every country calling code and nothing else', async () => {
		const codes = [...new Set(getCountries().map((c) => getCountryCallingCode(c)))];
		const phones = [...codes.map((c) => `+${c}23456789`), '+0123456789', '+', '', '14155550123', '+28123456'];
		const rows = await t.sql<{ c: string | null }[]>`select public.e164_calling_code(p) as c from unnest(${phones}::text[]) with ordinality u(p, i) order by i`;
		expect(rows.map((x) => x.c)).toEqual([...codes, null, null, null, null, null]);
		const [{ c }] = await t.sql<{ c: string | null }[]>`select public.e164_calling_code(null) as c`;
		expect(c).toBeNull();
	});
});
