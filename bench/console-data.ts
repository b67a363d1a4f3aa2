/**
 * The console bench's data: one workspace with 1,000,000 texts × BENCH_SCALE over 90 days to
 * contacts in five countries, and about three delivery events per text, generated set-based
 * (generate_series) in chunks, so the rollup triggers run as they do for bulk queueing.
 */
import type { Db } from '@sms/db';

export const TEXTS = Math.round(1_000_000 * Number(process.env.BENCH_SCALE ?? 1));
export const CONTACTS = Math.max(1000, Math.round(TEXTS / 100));
const CHUNK = 100_000;

export interface BenchWorkspace {
	org: string;
	/** A contact's name and number to search for. */
	samples: { name: string; phone: string }[];
}

export async function generateConsoleData(db: Db, say: (m: string) => void): Promise<BenchWorkspace> {
	const { sql } = db;
	const [{ id: org }] = await sql<{ id: string }[]>`insert into public.organizations (slug, name) values ('bench', 'Bench') returning id`;
	await sql`insert into public.sms_notification_types (key, label) values
		('bench_reminder', 'Reminder'), ('bench_alert', 'Alert'), ('bench_brief', 'Brief') on conflict do nothing`;
	// Five countries: 70 % +1, then +44, +353, +61, +971.
	await sql`
		insert into public.contacts (organization_id, name, phone_number, external_id)
		select ${org}, 'Person ' || g,
			case when g % 10 < 7 then '+1415' || (2000000 + g)::text
				when g % 10 = 7 then '+447700' || lpad(g::text, 6, '0')
				when g % 10 = 8 then '+353861' || lpad(g::text, 6, '0')
				when g % 20 = 9 then '+614' || lpad(g::text, 8, '0')
				else '+97150' || lpad(g::text, 7, '0') end,
			'crm-' || g
		from generate_series(1, ${CONTACTS}) g`;
	await sql`create unlogged table bench_contacts as
		select row_number() over (order by id) - 1 as n, id, phone_number from public.contacts where organization_id = ${org}`;
	await sql`create unique index on bench_contacts (n)`;
	for (let from = 1; from <= TEXTS; from += CHUNK) {
		const to = Math.min(TEXTS, from + CHUNK - 1);
		await sql`
			insert into public.sms_messages (
				organization_id, contact_id, phone_number, message_content, notification_type, priority, status,
				provider, provider_reference, segments, error_code, error_message, price, price_unit,
				sent_at, delivered_at, failed_at, created_at, updated_at)
			select ${org}, c.id, c.phone_number, 'Reminder ' || g || ': doors open at 7pm. Reply STOP to opt out.',
				(array['bench_reminder', 'bench_alert', 'bench_brief', 'custom'])[1 + g % 4], 'normal', v.status,
				p.provider, case when v.status not in ('pending', 'canceled') then 'SM' || md5(g::text) end,
				1 + (g % 3 = 0)::int,
				case when v.status in ('undelivered', 'failed') then (array[30003, 30005, 30006, 30007, 21211, 30008])[1 + (g / 7) % 6] end,
				case when v.status in ('undelivered', 'failed') then 'bench failure' end,
				case when v.status = 'delivered' then -0.0079 end, case when v.status = 'delivered' then 'USD' end,
				case when v.status in ('delivered', 'undelivered', 'sent') then t.at + interval '1 second' end,
				-- sent → delivered: mostly seconds, a long tail to minutes.
				case when v.status = 'delivered' then t.at + interval '1 second' + interval '1 millisecond' * (400 + 60000 * x.r2 ^ 6) end,
				case when v.status in ('undelivered', 'failed') then t.at + interval '3 seconds' end,
				t.at, t.at
			from generate_series(${from}::bigint, ${to}::bigint) g
			join bench_contacts c on c.n = (g * 7919) % ${CONTACTS}
			-- Each lateral mentions g so Postgres evaluates random() per row, not once.
			cross join lateral (select now() - random() * interval '90 days' + (g % 2) * interval '0 s' as at) t
			cross join lateral (select random() + (g % 2) * 0 as r, random() + (g % 2) * 0 as r2) x
			cross join lateral (select case when g % 5 = 0 then 'sms-retail' else 'twilio' end as provider) p
			cross join lateral (select case
				when x.r < 0.86 then 'delivered' when x.r < 0.91 then 'undelivered' when x.r < 0.93 then 'failed'
				when x.r < 0.96 then 'sent' when x.r < 0.98 then 'canceled' else 'pending' end as status) v`;
		say(`${to.toLocaleString('en')} / ${TEXTS.toLocaleString('en')} texts`);
	}
	// About three events a text: the API answer, 'sent', and the final word (fewer for texts not sent).
	await sql`
		insert into public.sms_delivery_events (message_id, raw_status, status, error_code, payload, source, sender_ip, received_at, applied)
		select m.id, e.status, e.status, case when e.status in ('undelivered', 'failed') then m.error_code end,
			jsonb_build_object('MessageStatus', e.status, 'MessageSid', m.provider_reference), e.source,
			case when e.source = 'webhook' then '203.0.113.7'::inet end, m.created_at + e.n * interval '1 second', true
		from public.sms_messages m
		cross join lateral (values (1, 'queued', 'api'), (2, 'sent', 'webhook'), (3, m.status, 'webhook')) e(n, status, source)
		where m.organization_id = ${org} and m.status not in ('pending', 'canceled')
			and (e.n < 3 or m.status in ('delivered', 'undelivered', 'failed'))`;
	await sql`select public.compact_sms_message_rollups()`;
	await sql`select public.compact_sms_overview_rollups()`;
	await sql`vacuum analyze`;
	const samples = await sql<{ name: string; phone: string }[]>`
		select c.name, c.phone_number as phone from public.contacts c where c.organization_id = ${org} order by random() limit 200`;
	return { org, samples };
}

/** The workspace a kept cluster already holds (BENCH_CONSOLE_DATA): compacted and analyzed again. */
export async function reuseConsoleData(db: Db): Promise<BenchWorkspace> {
	const { sql } = db;
	const [{ id: org }] = await sql<{ id: string }[]>`select id from public.organizations where slug = 'bench'`;
	await sql`select public.compact_sms_message_rollups()`;
	await sql`select public.compact_sms_overview_rollups()`;
	await sql`vacuum analyze`;
	const samples = await sql<{ name: string; phone: string }[]>`
		select c.name, c.phone_number as phone from public.contacts c where c.organization_id = ${org} order by random() limit 200`;
	return { org, samples };
}
