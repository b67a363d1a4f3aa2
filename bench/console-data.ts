/**
 * The console bench's data: one workspace with 1,000,000 texts × BENCH_SCALE over the last 90
 * days, to contacts in five countries (names, e-mail, external ids, time zones), about three
 * delivery events per text in order (the API's answer, the 'sent' callback, the final word),
 * and the workspace's members.
 *
 * Bulk-loaded, not replayed through the app: each big table is written by a few large
 * set-based statements (generate_series), split over parallel connections, with the secondary
 * indexes dropped for the load and rebuilt after it, and the row and statement triggers off
 * (session_replication_role = replica, this transaction only). What those triggers would have
 * written is then written once, set-based: the columns they fill (an event's workspace) are
 * written directly, and the rollups by the bodies of the rollup triggers' helpers
 * (internal.sms_rollup_apply with its row function, internal.sms_overview_rollup_apply,
 * internal.sms_overview_day_rollup) run over the table, every text counted once.
 * bench/console-data.check.ts generates a workspace and holds it to the raw counts.
 *
 * Timings (npx tsx bench/console-data.check.ts, CHECK=0, on the shared 2-core machine): 1M texts
 * and 2.83M events in 146 s at load average ~9-10; the previous generator (row-by-row triggers,
 * indexes kept) took 151 s for 0.2M where this one took 43 s in the same session.
 */
import { performance } from 'node:perf_hooks';
import { createHash } from 'node:crypto';
import { phoneCipher, phoneKeysToEnv, type Db, type Sql } from '@sms/db';
import { callingCodeOf } from '@sms/twilio-service/validate';

/**
 * The bench workspace's phone keys when the environment has none: fixed (bench data only, no
 * secret), so a kept cluster (BENCH_CONSOLE_DATA) opens and finds its numbers on the next run.
 * Set on import, before the bench migrates or seals anything; pass them on to a server that
 * must open the numbers (phoneKeysToEnv(CONSOLE_BENCH_PHONE_KEYS)).
 */
const benchKey = (label: string) => createHash('sha256').update(`sms-notify console bench ${label}`).digest('base64');
export const CONSOLE_BENCH_PHONE_KEYS = { keys: { bench1: benchKey('phone key') }, currentKeyId: 'bench1', indexKey: benchKey('index key') };
if (!process.env.PHONE_ENCRYPTION_KEYS) Object.assign(process.env, phoneKeysToEnv(CONSOLE_BENCH_PHONE_KEYS));

export const TEXTS = Math.round(1_000_000 * Number(process.env.BENCH_SCALE ?? 1));
export const CONTACTS = Math.max(1000, Math.round(TEXTS / 100));
/** Parallel loading connections (the machine has two cores; the pool has four connections). */
const LANES = Math.max(1, Number(process.env.BENCH_GEN_LANES ?? 2));
/** Rows per INSERT statement (progress is reported per statement). */
const CHUNK = 500_000;
const DAYS = 90;

export interface BenchWorkspace {
	org: string;
	/** A contact's name and number to search for. */
	samples: { name: string; phone: string }[];
}

// ---------------------------------------------------------------------------------------------
// Contacts. Everything about contact n follows from n, so the bench's search samples (name and
// number) can be recomputed from a contact's external id, whatever the stored phone form.

const FIRST = ['James', 'Mary', 'John', 'Patricia', 'Robert', 'Jennifer', 'Michael', 'Linda', 'William', 'Elizabeth', 'David', 'Barbara',
	'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Charles', 'Karen', 'Christopher', 'Nancy', 'Daniel', 'Lisa', 'Matthew',
	'Betty', 'Anthony', 'Margaret', 'Mark', 'Sandra', 'Donald', 'Ashley', 'Steven', 'Kimberly', 'Paul', 'Emily', 'Andrew', 'Donna', 'Joshua',
	'Michelle', 'Aoife', 'Siobhan', 'Ciaran', 'Oliver', 'Amelia', 'Harry', 'Isla', 'Fatima', 'Omar', 'Layla', 'Mohammed', 'Noor', 'Chloe',
	'Jack', 'Mia', 'Lachlan', 'Ruby', 'Priya', 'Arjun', 'Sofia'];
const LAST = ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez', 'Hernandez', 'Lopez',
	'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee', 'Perez', 'Thompson', 'White', 'Harris',
	'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson', 'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Torres', 'Nguyen', 'Hill',
	'Flores', "O'Brien", 'Murphy', 'Kelly', 'Walsh', 'Byrne', 'Evans', 'Hughes', 'Patel', 'Khan', 'Al Mansouri', 'Haddad', 'Nasser',
	'Wilson-Clarke', 'Campbell', 'Mitchell', 'Ng', 'Chen', 'Singh', 'Kowalski', 'Rossi'];
const AREAS = ['415', '212', '312', '646', '718', '617', '206', '512', '303', '305'];
const INITIALS = 'ABCDEFGHJKLMNPRSTW';

interface Country {
	tz: string;
	number: (n: number) => string;
}
const US: Country = { tz: 'America/Los_Angeles', number: (n) => `+1${AREAS[n % AREAS.length]}${2_000_000 + n}` };
const GB: Country = { tz: 'Europe/London', number: (n) => `+447700${String(n).padStart(6, '0')}` };
const IE: Country = { tz: 'Europe/Dublin', number: (n) => `+353861${String(n).padStart(6, '0')}` };
const AU: Country = { tz: 'Australia/Sydney', number: (n) => `+614${String(n).padStart(8, '0')}` };
const AE: Country = { tz: 'Asia/Dubai', number: (n) => `+97150${String(n).padStart(7, '0')}` };
/** 70 % +1, 10 % each +44 and +353, 5 % each +61 and +971 (as the bench's country filter expects). */
const countryOf = (n: number): Country => {
	const d = n % 20;
	return d < 14 ? US : d < 16 ? GB : d < 18 ? IE : d === 18 ? AU : AE;
};

function contactName(n: number): string {
	const first = FIRST[n % FIRST.length]!;
	const last = LAST[Math.floor(n / FIRST.length) % LAST.length]!;
	const round = Math.floor(n / (FIRST.length * LAST.length));
	// Unique for the first 3,600 contacts; then a middle initial (a name repeats every 64,800).
	return round === 0 ? `${first} ${last}` : `${first} ${INITIALS[(round - 1) % INITIALS.length]}. ${last}`;
}

export const contactNumber = (n: number): string => countryOf(n).number(n);
const externalId = (n: number) => `crm-${String(n).padStart(7, '0')}`;

// ---------------------------------------------------------------------------------------------
// The stored phone form: the only place that knows it. A contact's columns come from
// phoneValues(e164); a text copies PHONE_COLUMNS from its contact as they are.

/** The columns a number is stored in, on contacts and on sms_messages alike (sealed: issue 11). */
const PHONE_COLUMNS = ['phone_enc', 'phone_hash', 'phone_last4', 'calling_code'] as const;
/**
 * A contact's stored phone columns for an E.164 number, sealed by the process's cipher
 * (PHONE_ENCRYPTION_KEYS, PHONE_INDEX_KEY) once per contact; its texts copy them.
 */
function phoneValues(e164: string): Record<(typeof PHONE_COLUMNS)[number], string | null> {
	const s = phoneCipher().seal(e164);
	return { phone_enc: s.enc, phone_hash: s.hash, phone_last4: s.last4, calling_code: callingCodeOf(e164) };
}

// ---------------------------------------------------------------------------------------------

/** Secondary indexes (and unique constraints but the primary key) of a table, to drop and rebuild. */
interface IndexDef {
	name: string;
	drop: string;
	create: string;
}

async function secondaryIndexes(sql: Sql, table: string): Promise<IndexDef[]> {
	const rows = await sql<{ name: string; def: string; constraint_def: string | null; contype: string | null }[]>`
		select i.relname as name, pg_get_indexdef(x.indexrelid) as def, c.contype::text as contype,
			case when c.oid is not null then pg_get_constraintdef(c.oid) end as constraint_def
		from pg_index x
		join pg_class i on i.oid = x.indexrelid
		left join pg_constraint c on c.conindid = x.indexrelid and c.conrelid = x.indrelid
		where x.indrelid = ${table}::regclass and not x.indisprimary
		order by i.relname`;
	return rows.map((r) =>
		r.contype
			? { name: r.name, drop: `alter table ${table} drop constraint ${r.name}`, create: `alter table ${table} add constraint ${r.name} ${r.constraint_def}` }
			: // A partitioned table's index is defined ON ONLY the parent; rebuilt on the parent, it covers every partition.
				{ name: r.name, drop: `drop index public.${r.name}`, create: r.def.replace(' ON ONLY ', ' ON ') }
	);
}

/** Runs the jobs on `lanes` connections at once, each lane taking the next job. */
async function inLanes<T>(jobs: T[], lanes: number, run: (job: T) => Promise<void>): Promise<void> {
	let next = 0;
	await Promise.all(
		Array.from({ length: Math.min(lanes, jobs.length) }, async () => {
			while (next < jobs.length) await run(jobs[next++]!);
		})
	);
}

/** A load statement: no triggers (their effects are written explicitly), no waiting for the WAL. */
async function bulk(sql: Sql, body: (tx: Sql) => Promise<unknown>): Promise<void> {
	await sql.begin(async (tx) => {
		await tx`set local session_replication_role = replica`;
		await tx`set local synchronous_commit = off`;
		await tx`set local work_mem = '64MB'`;
		await body(tx as unknown as Sql);
	});
}

export async function generateConsoleData(db: Db, say: (m: string) => void): Promise<BenchWorkspace> {
	const { sql } = db;
	const t0 = performance.now();
	const lap = (what: string) => say(`${what} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);

	const [{ id: org }] = await sql<{ id: string }[]>`insert into public.organizations (slug, name) values ('bench', 'Bench') returning id`;
	await sql`insert into public.sms_notification_types (key, label) values
		('bench_reminder', 'Reminder'), ('bench_alert', 'Alert'), ('bench_brief', 'Brief') on conflict do nothing`;
	// The workspace's members (the bench adds its viewer): an owner, an admin, two operators.
	await sql`
		with u as (
			insert into auth.users (email, email_confirmed_at)
			select m.email, now() - interval '120 days'
			from (values ('owner@bench.example'), ('admin@bench.example'), ('ops-1@bench.example'), ('ops-2@bench.example')) m(email)
			on conflict do nothing
			returning id, email
		)
		insert into public.organization_members (organization_id, user_id, role, on_call)
		select ${org}, u.id,
			(case when u.email like 'owner%' then 'owner' when u.email like 'admin%' then 'admin' else 'operator' end)::public.org_role,
			u.email = 'ops-1@bench.example'
		from u`;

	// Contacts, written as the app's bulk import writes them (no audit rows, as with
	// internal.campaign_contacts): without the row trigger, whose time-zone check reads
	// pg_timezone_names per row (14 ms each), so its checks are made here once.
	const zones = [...new Set([US, GB, IE, AU, AE].map((c) => c.tz))];
	const [{ valid }] = await sql<{ valid: boolean }[]>`select bool_and(public.is_valid_time_zone(z)) as valid from unnest(${zones}::text[]) z`;
	if (!valid) throw new Error(`a contact time zone is not valid: ${zones.join(', ')}`);
	for (let from = 0; from < CONTACTS; from += 20_000) {
		const rows: Record<string, unknown>[] = [];
		for (let n = from; n < Math.min(CONTACTS, from + 20_000); n++) {
			const name = contactName(n);
			const country = countryOf(n);
			rows.push({
				organization_id: org,
				name,
				...phoneValues(country.number(n)),
				external_id: externalId(n),
				time_zone: country.tz,
				attributes: { email: `${name.toLowerCase().replace(/[^a-z]+/g, '.')}.${n}@example.com`, plan: n % 7 === 0 ? 'pro' : 'free' },
				consent_source: n % 3 === 0 ? 'import' : 'signup form',
				consented_at: new Date(Date.now() - (DAYS + 30 + (n % 300)) * 86_400_000).toISOString(),
				tags: n % 4 === 0 ? ['vip'] : [],
				created_at: new Date(Date.now() - (DAYS + 30 + (n % 300)) * 86_400_000).toISOString()
			});
		}
		const cols = Object.keys(rows[0]!);
		// The trigger's other work: names are trimmed already, and no user has verified these numbers.
		await bulk(sql, (tx) => tx`
			insert into public.contacts (${tx(cols)})
			select ${tx(cols)} from json_populate_recordset(null::public.contacts, ${JSON.stringify(rows)}::text::json)`);
	}
	await sql`drop table if exists public.bench_contacts`;
	await sql`
		create unlogged table public.bench_contacts as
		select substr(external_id, 5)::int as n, id, split_part(name, ' ', 1) as first_name, ${sql(PHONE_COLUMNS)}
		from public.contacts where organization_id = ${org}`;
	await sql`create unique index on public.bench_contacts (n)`;
	await sql`analyze public.bench_contacts`;
	lap(`${CONTACTS.toLocaleString('en')} contacts`);

	// The events' months (the retention job creates them ahead in a live system).
	await sql`select internal.create_sms_delivery_event_partitions((now() - ${DAYS + 1} * interval '1 day')::date, (now() + interval '2 months')::date)`;

	const messageIndexes = await secondaryIndexes(sql, 'public.sms_messages');
	const eventIndexes = await secondaryIndexes(sql, 'public.sms_delivery_events');
	for (const i of [...messageIndexes, ...eventIndexes]) await sql.unsafe(i.drop);

	// Texts: g = 1 … TEXTS in created_at order over the 90 days (the heap in time order, as a
	// live table's is), each to contact (g · 7919) mod CONTACTS.
	const [{ start }] = await sql<{ start: Date }[]>`select now() - ${DAYS} * interval '1 day' as start`;
	const spanMs = DAYS * 86_400_000;
	const chunks: [number, number][] = [];
	for (let from = 1; from <= TEXTS; from += CHUNK) chunks.push([from, Math.min(TEXTS, from + CHUNK - 1)]);
	const phoneFromContact = PHONE_COLUMNS.map((c) => `c.${c}`);
	let written = 0;
	await inLanes(chunks, LANES, ([from, to]) =>
		bulk(sql, async (tx) => {
			await tx`
				insert into public.sms_messages (
					organization_id, contact_id, ${tx(PHONE_COLUMNS)}, message_content, notification_type, priority, status, provider_status,
					provider, provider_reference, segments, encoding, error_code, error_message, price, price_unit, attempt_count,
					dispatched_at, sent_at, delivered_at, failed_at, created_at, updated_at)
				select ${org}, c.id, ${tx(phoneFromContact)}, b.body, k.type, case when k.type = 'bench_alert' then 'high' else 'normal' end,
					v.status, case when v.status not in ('pending', 'canceled') then v.status end,
					p.provider, case when v.status not in ('pending', 'canceled') then p.prefix || md5(${org}::text || g) end,
					case when char_length(b.body) <= 160 then 1 else ceil(char_length(b.body) / 153.0)::int end, 'GSM-7',
					e.code, case when e.code is not null then p.provider || ' reported ' || v.status || ' (' || e.code || ')' end,
					case when v.status in ('delivered', 'undelivered') then -0.0079 * (1 + (char_length(b.body) > 160)::int) end,
					case when v.status in ('delivered', 'undelivered') then 'USD' end,
					(v.status not in ('pending', 'canceled'))::int,
					case when v.status not in ('pending', 'canceled') then t.at + interval '200 milliseconds' end,
					s.sent_at, s.delivered_at, s.failed_at, t.at,
					coalesce(s.delivered_at, s.failed_at, s.sent_at, t.at)
				from generate_series(${from}::bigint, ${to}::bigint) g
				join public.bench_contacts c on c.n = (g * 7919) % ${CONTACTS}
				-- Each lateral mentions g so Postgres evaluates random() per row, not once.
				cross join lateral (select ${start}::timestamptz + interval '1 millisecond' * ((g - random()) * ${spanMs / TEXTS}) as at,
					random() + g * 0 as r, random() + g * 0 as r2, random() + g * 0 as r3) t
				cross join lateral (select (array['bench_reminder', 'bench_alert', 'bench_brief', 'custom'])[1 + g % 4] as type) k
				cross join lateral (select case when g % 5 = 0 then 'sms-retail' else 'twilio' end as provider,
					case when g % 5 = 0 then 'sr_' else 'SM' end as prefix) p
				cross join lateral (select case
					when t.r < 0.86 then 'delivered' when t.r < 0.91 then 'undelivered' when t.r < 0.93 then 'failed'
					when t.r < 0.96 then 'sent' when t.r < 0.98 then 'canceled' else 'pending' end as status) v
				-- Carriers' reasons: unreachable handsets most often, then unknown numbers, landlines, filtering.
				cross join lateral (select case
					when v.status = 'failed' then case when t.r3 < 0.6 then 21211 when t.r3 < 0.8 then 30007 else 30008 end
					when v.status = 'undelivered' then case when t.r3 < 0.4 then 30003 when t.r3 < 0.65 then 30005
						when t.r3 < 0.85 then 30006 when t.r3 < 0.95 then 30007 else 30008 end end as code) e
				cross join lateral (select case k.type
					when 'bench_reminder' then 'Hi ' || c.first_name || ', a reminder: your appointment is on '
						|| to_char(t.at + interval '2 days', 'FMDay DD Mon') || ' at ' || (9 + g % 8) || ':00. Reply C to confirm or R to reschedule.'
					when 'bench_alert' then 'ALERT: ' || (array['Your order has shipped', 'Your payment failed', 'A new sign-in to your account', 'Your flight gate changed'])[1 + g % 4]
						|| '. Details: https://bench.example/a/' || left(md5(g::text), 8)
					when 'bench_brief' then 'Good morning ' || c.first_name || '! Today: ' || (1 + g % 6) || ' tasks due, '
						|| (g % 4) || ' meetings, and the weekly report. Reply STOP to opt out of daily briefs. '
						|| case when g % 3 = 0 then 'Your top priority is the quarterly review with the finance team, moved to 3pm in room 4B; bring the updated figures.' else '' end
					else 'Your verification code is ' || lpad((g * 7919 % 1000000)::text, 6, '0') || '. It expires in 10 minutes.' end as body) b
				-- sent → delivered: mostly seconds, a long tail to minutes.
				cross join lateral (select
					case when v.status in ('delivered', 'undelivered', 'sent') then t.at + interval '1 second' end as sent_at,
					case when v.status = 'delivered' then t.at + interval '1 second' + interval '1 millisecond' * (400 + 60000 * t.r2 ^ 6) end as delivered_at,
					case when v.status = 'undelivered' then t.at + interval '1 second' + interval '1 millisecond' * (2000 + 120000 * t.r2 ^ 4)
						when v.status = 'failed' then t.at + interval '1500 milliseconds' end as failed_at) s`;
			written += to - from + 1;
			lap(`${written.toLocaleString('en')} / ${TEXTS.toLocaleString('en')} texts`);
		})
	);

	// Events, one UTC-time slice per lane: the provider's answer to the send ('queued'), the
	// 'sent' callback, and the final callback, in that order on each text; a text failed at
	// the provider has its answer and the failure. Pending and canceled texts have none.
	const [{ lo, hi }] = await sql<{ lo: Date; hi: Date }[]>`
		select min(created_at) - interval '1 second' as lo, max(created_at) + interval '1 second' as hi
		from public.sms_messages where organization_id = ${org}`;
	const slices = Math.max(LANES, Math.ceil(TEXTS / CHUNK));
	const bounds = Array.from({ length: slices + 1 }, (_, i) => new Date(lo.getTime() + ((hi.getTime() - lo.getTime()) * i) / slices));
	let sliced = 0;
	await inLanes(
		bounds.slice(0, -1).map((b, i) => [b, bounds[i + 1]!] as const),
		LANES,
		([a, b]) =>
			bulk(sql, async (tx) => {
				await tx`
					insert into public.sms_delivery_events (
						message_id, organization_id, provider, provider_reference, raw_status, status, error_code, error_message,
						price, price_unit, segments, payload, source, sender_ip, received_at, applied)
					select m.id, m.organization_id, m.provider, m.provider_reference, e.raw, e.status,
						case when e.final then m.error_code end, case when e.final then m.error_message end,
						case when e.final then m.price end, case when e.final then m.price_unit end,
						case when e.n = 1 or e.final then m.segments end,
						case when m.provider = 'twilio' then
							case when e.source = 'api' then jsonb_build_object('sid', m.provider_reference, 'status', e.raw,
								'num_segments', m.segments::text, 'price', null, 'api_version', '2010-04-01')
							else jsonb_build_object('MessageSid', m.provider_reference, 'SmsSid', m.provider_reference, 'MessageStatus', e.raw,
								'SmsStatus', e.raw, 'AccountSid', 'AC' || md5(${org}::text), 'ApiVersion', '2010-04-01')
								|| case when e.final and m.error_code is not null then jsonb_build_object('ErrorCode', m.error_code::text) else '{}' end end
						else jsonb_build_object('id', m.provider_reference, 'status', e.raw, 'segments', m.segments,
							'error_code', case when e.final then m.error_code end, 'timestamp', to_char(e.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) end,
						e.source,
						case when e.source = 'webhook' then
							(case when m.provider = 'twilio' then '203.0.113.' else '198.51.100.' end || (1 + abs(hashtext(m.provider_reference)) % 250))::inet end,
						e.at, true
					from public.sms_messages m
					cross join lateral (values
						(1, 'api', 'queued', case when m.provider = 'twilio' then 'queued' else 'pending' end, m.created_at + interval '800 milliseconds', false),
						(2, 'webhook', 'sent', 'sent', m.sent_at + least(interval '800 milliseconds', (coalesce(m.delivered_at, m.failed_at, m.sent_at + interval '2 s') - m.sent_at) / 2), false),
						(3, 'webhook', m.status, m.status, coalesce(m.delivered_at, m.failed_at), true)
					) e(n, source, status, raw, at, final)
					where m.organization_id = ${org} and m.created_at >= ${a} and m.created_at < ${b}
						and m.status not in ('pending', 'canceled')
						and (e.n = 1 or (e.n = 2 and m.sent_at is not null) or (e.n = 3 and m.status in ('delivered', 'undelivered', 'failed')))`;
				sliced++;
				lap(`events, ${sliced} / ${slices} slices`);
			})
	);
	await sql`drop table public.bench_contacts`;

	// The indexes again, built on the lanes (each build a sort of the whole table).
	await inLanes([...messageIndexes, ...eventIndexes], LANES, async (i) => {
		await sql.begin(async (tx) => {
			await tx`set local maintenance_work_mem = '256MB'`;
			await tx.unsafe(i.create);
		});
	});
	lap(`${messageIndexes.length + eventIndexes.length} indexes rebuilt`);

	await rollUp(sql, org, lo, hi);
	lap('rollups');
	await sql`select public.compact_sms_message_rollups()`;
	await sql`select public.compact_sms_overview_rollups()`;
	await inLanes(
		['public.sms_messages', 'public.sms_delivery_events', 'public.contacts', 'public.sms_message_rollups', 'public.sms_overview_rollups',
			'public.sms_latency_rollups', 'public.sms_failure_rollups', 'public.organization_members', 'auth.users'],
		LANES,
		(t) => sql.unsafe(`vacuum (analyze) ${t}`).then(() => {})
	);
	lap('vacuum analyze');
	return { org, samples: await samplesOf(sql, org) };
}

/**
 * What the rollup triggers would have written for the workspace's texts, set-based over the
 * table, each statement the body of the trigger's helper with every text counted once (sign 1):
 * sms_message_rollups as internal.sms_rollup_apply (its row function, internal.sms_rollup_row,
 * inlined), the latency and failure rollups as internal.sms_overview_rollup_apply, and
 * sms_overview_rollups as internal.sms_overview_day_rollup (20261203110000). Calling those
 * helpers on arrays of a day's texts gives the same rows at a tenth of the speed. One lane per
 * run of whole UTC days, so no key is written twice and nothing needs folding.
 */
async function rollUp(sql: Sql, org: string, lo: Date, hi: Date): Promise<void> {
	const day0 = Date.UTC(lo.getUTCFullYear(), lo.getUTCMonth(), lo.getUTCDate());
	const days = Math.ceil((hi.getTime() - day0) / 86_400_000);
	const per = Math.ceil(days / (LANES * 4));
	const ranges: [Date, Date][] = [];
	for (let d = 0; d < days; d += per) ranges.push([new Date(day0 + d * 86_400_000), new Date(day0 + Math.min(days, d + per) * 86_400_000)]);
	// internal.sms_latency_bucket takes a numeric log (~25 µs a call, most of this step's time
	// when called per text): call it once per distinct latency instead, and join.
	await sql`drop table if exists public.bench_latency_buckets`;
	await sql`
		create unlogged table public.bench_latency_buckets as
		select ms, internal.sms_latency_bucket(ms) as b
		from (
			select distinct greatest(0, (extract(epoch from (m.delivered_at - m.sent_at)) * 1000)::bigint) as ms
			from public.sms_messages m
			where m.organization_id = ${org} and m.status = 'delivered' and m.sent_at is not null and m.delivered_at is not null
		) d`;
	await sql`alter table public.bench_latency_buckets add primary key (ms)`;
	await sql`analyze public.bench_latency_buckets`;
	const statements = (sql: Sql, a: Date, b: Date) => [
		() => sql`
			insert into public.sms_message_rollups (
				organization_id, bucket, status, notification_type, provider, calling_code,
				messages, segments, price, priced, latency_count, latency_ms)
			select x.organization_id, x.bucket, x.status, x.notification_type, x.provider, x.calling_code,
				count(*), sum(x.segments), sum(x.price), sum(x.priced), sum(x.latency_count), sum(x.latency_ms)
			from public.sms_messages m, lateral internal.sms_rollup_row(m) x
			where m.organization_id = ${org} and m.direction = 'outbound' and m.created_at >= ${a} and m.created_at < ${b}
			group by 1, 2, 3, 4, 5, 6`,
		() => sql`
			with changed as (
				select m.organization_id, date_trunc('hour', m.created_at) as bucket, m.status, m.error_code,
					greatest(0, (extract(epoch from (m.delivered_at - m.sent_at)) * 1000)::bigint) as ms
				from public.sms_messages m
				where m.organization_id = ${org} and m.direction = 'outbound' and m.created_at >= ${a} and m.created_at < ${b}
					and (m.status in ('failed', 'undelivered') or (m.status = 'delivered' and m.sent_at is not null and m.delivered_at is not null))
			),
			latency_rows as (
				insert into public.sms_latency_rollups (organization_id, bucket, latency_bucket, messages, latency_ms)
				select c.organization_id, c.bucket, l.b, count(*), sum(c.ms)
				from changed c join public.bench_latency_buckets l on l.ms = c.ms
				where c.status = 'delivered'
				group by 1, 2, 3
				returning 1
			)
			insert into public.sms_failure_rollups (organization_id, bucket, error_code, messages)
			select organization_id, bucket, coalesce(error_code, 0), count(*)
			from changed where status in ('failed', 'undelivered')
			group by 1, 2, 3`,
		() => sql`
			with signed as (
				select m.organization_id, m.created_at, m.status, m.notification_type, m.calling_code, m.price, m.error_code,
					m.sent_at, m.delivered_at
				from public.sms_messages m
				where m.organization_id = ${org} and m.direction = 'outbound' and m.created_at >= ${a} and m.created_at < ${b}
			),
			latency as (
				select s.organization_id, s.created_at, l.ms, l.b
				from signed s
				join public.bench_latency_buckets l on l.ms = greatest(0, (extract(epoch from (s.delivered_at - s.sent_at)) * 1000)::bigint)
				where s.status = 'delivered' and s.sent_at is not null and s.delivered_at is not null
			),
			overview as (
				select organization_id, 'hour' as kind, date_trunc('hour', created_at) as bucket, status,
					'' as notification_type, '' as calling_code, -1::smallint as latency_bucket, -1 as error_code,
					coalesce(price, 0) as price, (price is not null)::int::bigint as priced, 0::bigint as ms
				from signed
				union all
				select organization_id, 'day', date_trunc('day', created_at, 'UTC'), status,
					notification_type, coalesce(calling_code, ''), -1, -1, 0, 0, 0
				from signed
				union all
				select organization_id, 'latency', date_trunc('day', created_at, 'UTC'), '', '', '', b, -1, 0, 0, ms
				from latency
				union all
				select organization_id, 'failure', date_trunc('day', created_at, 'UTC'), '', '', '', -1,
					coalesce(error_code, 0), 0, 0, 0
				from signed where status in ('failed', 'undelivered')
			)
			insert into public.sms_overview_rollups (organization_id, kind, bucket, status, notification_type, calling_code,
				latency_bucket, error_code, messages, price, priced, latency_ms)
			select organization_id, kind, bucket, status, notification_type, calling_code, latency_bucket, error_code,
				count(*), sum(price), sum(priced), sum(ms)
			from overview
			group by 1, 2, 3, 4, 5, 6, 7, 8`
	];
	await inLanes(ranges, LANES, async ([a, b]) => {
		// Hash aggregation in memory rather than an external sort per statement.
		await sql.begin(async (tx) => {
			await tx`set local work_mem = '256MB'`;
			for (const q of statements(tx as unknown as Sql, a, b)) await q();
		});
	});
	await sql`drop table public.bench_latency_buckets`;
}

/** 200 random contacts' names and numbers (recomputed from their external ids). */
async function samplesOf(sql: Sql, org: string): Promise<BenchWorkspace['samples']> {
	const rows = await sql<{ name: string; external_id: string }[]>`
		select c.name, c.external_id from public.contacts c where c.organization_id = ${org} order by random() limit 200`;
	return rows.map((r) => ({ name: r.name, phone: contactNumber(Number(r.external_id.slice(4))) }));
}

/** The workspace a kept cluster already holds (BENCH_CONSOLE_DATA): compacted and analyzed again. */
export async function reuseConsoleData(db: Db): Promise<BenchWorkspace> {
	const { sql } = db;
	const [{ id: org }] = await sql<{ id: string }[]>`select id from public.organizations where slug = 'bench'`;
	await sql`select public.compact_sms_message_rollups()`;
	await sql`select public.compact_sms_overview_rollups()`;
	await sql`vacuum analyze`;
	return { org, samples: await samplesOf(sql, org) };
}
