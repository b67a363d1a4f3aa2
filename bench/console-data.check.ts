/**
 * Generates the console bench's workspace (bench/console-data.ts) in a fresh embedded Postgres
 * and checks it against what the app would have written: every rollup equal to counting the raw
 * texts (sms_message_rollups by the app's row function; the overview's rollups by
 * supabase/tests/overview-rollup-sums.ts, computed in TypeScript), every event in order on its
 * text, every event with its workspace, and the counts. Prints the generation time beside the
 * load average. Exits 1 on any difference.
 *
 *   npx tsx bench/console-data.check.ts                 # BENCH_SCALE=0.02 (20,000 texts)
 *   BENCH_SCALE=1 CHECK=0 npx tsx bench/console-data.check.ts   # time only (1M texts)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createDb, migrate, phoneCipher } from '@sms/db';
import { startEmbeddedPostgres } from '@sms/db/embedded';
import { actualOverview, expectedOverview, nonZero } from '../supabase/tests/overview-rollup-sums.ts';

process.env.BENCH_SCALE ??= '0.02';
const { generateConsoleData, contactNumber, TEXTS, CONTACTS } = await import('./console-data.ts');
const check = process.env.CHECK !== '0';

const dir = await mkdtemp(path.join(os.tmpdir(), 'sms-console-data-'));
const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'data'), persistent: false, fast: true, maxConnections: 50 });
const db = createDb({ url: pg.url('postgres'), max: 4, applicationName: 'console-data-check' });
const problems: string[] = [];
try {
	await migrate(db.sql);
	const load = os.loadavg();
	const t0 = performance.now();
	const w = await generateConsoleData(db, (m) => process.stderr.write(`  ${m}\n`));
	const seconds = (performance.now() - t0) / 1000;
	const [{ texts, events, contacts, members }] = await db.sql<{ texts: number; events: number; contacts: number; members: number }[]>`
		select (select count(*)::int from public.sms_messages) as texts, (select count(*)::int from public.sms_delivery_events) as events,
			(select count(*)::int from public.contacts) as contacts, (select count(*)::int from public.organization_members) as members`;
	console.log(
		`generated ${texts.toLocaleString('en')} texts, ${events.toLocaleString('en')} events, ${contacts.toLocaleString('en')} contacts, ` +
			`${members} members in ${seconds.toFixed(1)} s; load average before ${load.map((l) => l.toFixed(2)).join(' ')}, after ${os
				.loadavg()
				.map((l) => l.toFixed(2))
				.join(' ')} (${os.cpus().length} cores)`
	);
	if (texts !== TEXTS) problems.push(`${texts} texts, expected ${TEXTS}`);
	if (contacts !== CONTACTS) problems.push(`${contacts} contacts, expected ${CONTACTS}`);
	if (events < 2.5 * TEXTS || events > 3.2 * TEXTS) problems.push(`${events} events for ${TEXTS} texts`);
	if (w.samples.length === 0) problems.push('no samples');
	if (check) {
		const expected = nonZero(await expectedOverview(db.sql));
		const actual = nonZero(await actualOverview(db.sql));
		const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
		const off = [...keys].filter((k) => expected[k] !== actual[k]);
		for (const k of off.slice(0, 10)) problems.push(`overview rollup ${k}: raw ${expected[k]}, rollup ${actual[k]}`);
		if (off.length > 10) problems.push(`… ${off.length} overview keys differ`);
		const [diff] = await db.sql<{ missing: number; extra: number; keys: number }[]>`
			with raw as (
				select x.organization_id, x.bucket, x.status, x.notification_type, x.provider, x.calling_code,
					count(*) as messages, sum(x.segments) as segments, sum(x.price) as price, sum(x.priced) as priced,
					sum(x.latency_count) as latency_count, sum(x.latency_ms) as latency_ms
				from public.sms_messages m, lateral internal.sms_rollup_row(m) x
				where m.direction = 'outbound' group by 1, 2, 3, 4, 5, 6),
			kept as (
				select organization_id, bucket, status, notification_type, provider, calling_code,
					sum(messages) as messages, sum(segments) as segments, sum(price) as price, sum(priced) as priced,
					sum(latency_count) as latency_count, sum(latency_ms) as latency_ms
				from public.sms_message_rollups group by 1, 2, 3, 4, 5, 6)
			select (select count(*)::int from (select * from raw except select * from kept) a) as missing,
				(select count(*)::int from (select * from kept except select * from raw) b) as extra,
				(select count(*)::int from raw) as keys`;
		if (diff.missing !== 0 || diff.extra !== 0) problems.push(`sms_message_rollups: ${diff.missing} raw keys not kept, ${diff.extra} kept keys not raw (of ${diff.keys})`);
		const [order] = await db.sql<{ unordered: number; orphans: number; before_text: number; wrong_org: number }[]>`
			select
				(select count(*)::int from (
					select message_id from (
						select message_id, received_at < lag(received_at) over (partition by message_id order by id) as back
						from public.sms_delivery_events) e
					group by 1 having bool_or(back)) u) as unordered,
				(select count(*)::int from public.sms_delivery_events e where not exists (select 1 from public.sms_messages m where m.id = e.message_id)) as orphans,
				(select count(*)::int from public.sms_delivery_events e join public.sms_messages m on m.id = e.message_id where e.received_at < m.created_at) as before_text,
				(select count(*)::int from public.sms_delivery_events e join public.sms_messages m on m.id = e.message_id
					where e.organization_id is distinct from m.organization_id) as wrong_org`;
		if (order.unordered) problems.push(`${order.unordered} texts with events out of order`);
		if (order.orphans) problems.push(`${order.orphans} events without their text`);
		if (order.before_text) problems.push(`${order.before_text} events before their text`);
		if (order.wrong_org) problems.push(`${order.wrong_org} events with another workspace`);
		const [last] = await db.sql<{ unmatched: number }[]>`
			select count(*)::int as unmatched from public.sms_messages m
			where m.status in ('delivered', 'undelivered', 'failed') and m.status is distinct from (
				select e.status from public.sms_delivery_events e where e.message_id = m.id order by e.received_at desc, e.id desc limit 1)`;
		if (last.unmatched) problems.push(`${last.unmatched} final texts whose last event is not their status`);
		const [fk] = await db.sql<{ contacts: number }[]>`
			select count(*)::int as contacts from public.sms_messages m where not exists (select 1 from public.contacts c where c.id = m.contact_id)`;
		if (fk.contacts) problems.push(`${fk.contacts} texts without their contact`);
		const [invalid] = await db.sql<{ n: number }[]>`
			select count(*)::int as n from pg_index x join pg_class c on c.oid = x.indexrelid
			where x.indrelid in ('public.sms_messages'::regclass, 'public.sms_delivery_events'::regclass) and not x.indisvalid`;
		if (invalid.n) problems.push(`${invalid.n} invalid indexes`);
		// Numbers: a text carries its contact's sealed number, which opens to the contact's number.
		const phones = await db.sql<{ external_id: string; c_enc: string; c_hash: string; m_enc: string; m_hash: string; m_last4: string; m_code: string | null }[]>`
			select c.external_id, c.phone_enc as c_enc, c.phone_hash as c_hash, m.phone_enc as m_enc, m.phone_hash as m_hash,
				m.phone_last4 as m_last4, m.calling_code as m_code
			from public.sms_messages m join public.contacts c on c.id = m.contact_id order by random() limit 200`;
		for (const p of phones) {
			const e164 = contactNumber(Number(p.external_id.slice(4)));
			const cipher = phoneCipher();
			if (cipher.decrypt(p.c_enc) !== e164 || cipher.decrypt(p.m_enc) !== e164) problems.push(`${p.external_id}: a sealed number does not open to the contact's`);
			if (p.c_hash !== cipher.blindIndex(e164) || p.m_hash !== p.c_hash) problems.push(`${p.external_id}: phone_hash differs`);
			if (p.m_last4 !== e164.slice(-4) || !p.m_code || !e164.startsWith(`+${p.m_code}`)) problems.push(`${p.external_id}: last four or calling code differ`);
		}
		console.log(`checked: ${keys.size.toLocaleString('en')} overview keys, ${diff.keys.toLocaleString('en')} message-rollup keys, event order and workspaces`);
	}
} finally {
	await db.end();
	await pg.stop();
	await rm(dir, { recursive: true, force: true });
}
if (problems.length > 0) {
	console.error(problems.join('\n'));
	process.exit(1);
}
console.log('ok');
