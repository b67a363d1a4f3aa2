/**
 * Starting a campaign: start_campaign turning N recipients (default 100,000) into contacts,
 * rendered texts and staggered jobs in one call, beside graphile-worker's addJobs inserting N
 * jobs (calls of 5,000, as in the enqueue bench) on its own fresh Postgres in the same run.
 * Ours does more per row (a contact, a message rendered from the template, a job, the opt-out
 * and price lookups, the audit row of each new contact); the figure is texts+jobs per second.
 * BENCH_CAMPAIGN_RECIPIENTS sets N (smaller on a busy machine).
 *
 * Attribution, after the real start in the same database: start_campaign's own definition
 * with only its three target tables swapped for copies in a bench schema (a fresh campaign of
 * the same list each time), once into bare copies (no key, index, FK, trigger, check or RLS)
 * and once into copies with only the primary and unique keys. What is left is the work of
 * three rows and a render per recipient, beside the same addJobs figure.
 */
import { Logger, makeWorkerUtils } from 'graphile-worker';
import { createDb, newPhoneKey, phoneCipher, phoneKeysToEnv, type Sql } from '@sms/db';
import { startBenchDatabase } from '../apps/worker/test/bench-support.ts';
import type { BenchResult } from '../scripts/bench.ts';

const N = Number(process.env.BENCH_CAMPAIGN_RECIPIENTS ?? 100_000);
const CHUNK = 5_000;

// Numbers are stored sealed (the import seals them in Node): keys for this run unless given.
if (!process.env.PHONE_ENCRYPTION_KEYS || !process.env.PHONE_INDEX_KEY) {
	Object.assign(process.env, phoneKeysToEnv({ keys: { b1: newPhoneKey() }, currentKeyId: 'b1', indexKey: newPhoneKey() }));
}

const benchPhone = (i: number) => '+1555' + String(i).padStart(7, '0');

/** Recipients 1..n of an import, sealed as the import writes them (not timed). */
async function insertRecipients(sql: Sql, importId: string, n: number): Promise<void> {
	const cipher = phoneCipher();
	for (let from = 1; from <= n; from += CHUNK) {
		const rows = [];
		for (let i = from; i < Math.min(from + CHUNK, n + 1); i++) {
			const s = cipher.seal(benchPhone(i));
			rows.push({ row_number: i + 1, phone_enc: s.enc, phone_hash: s.hash, phone_last4: s.last4, first_name: `Name${i}`, code: `SAVE${i % 1000}` });
		}
		await sql`
			insert into public.sms_campaign_recipients (import_id, row_number, phone_enc, phone_hash, phone_last4, calling_code, variables, country)
			select ${importId}, r.row_number, r.phone_enc, r.phone_hash, r.phone_last4, '1',
			       jsonb_build_object('first_name', r.first_name, 'code', r.code), 'US'
			from jsonb_to_recordset(${sql.json(rows)}) as r(row_number integer, phone_enc text, phone_hash text, phone_last4 text, first_name text, code text)`;
	}
}

/** One in a hundred numbers opted out, sealed. */
async function insertOptOuts(sql: Sql, n: number): Promise<void> {
	const cipher = phoneCipher();
	const rows = [];
	for (let i = 100; i <= n; i += 100) {
		const s = cipher.seal(benchPhone(i));
		rows.push({ phone_enc: s.enc, phone_hash: s.hash, phone_last4: s.last4 });
	}
	for (let k = 0; k < rows.length; k += CHUNK) {
		await sql`
			insert into public.sms_phone_opt_outs (phone_enc, phone_hash, phone_last4, opted_out, opted_out_at, source)
			select r.phone_enc, r.phone_hash, r.phone_last4, true, now(), 'keyword'
			from jsonb_to_recordset(${sql.json(rows.slice(k, k + CHUNK))}) as r(phone_enc text, phone_hash text, phone_last4 text)`;
	}
}

/** The tables start_campaign writes; the floors copy them into a bench schema. */
const WRITTEN = ['contacts', 'sms_messages', 'queue_jobs'] as const;

/** Replaces what must be there exactly `count` times: a restated start_campaign that changes shape fails here, not silently. */
function swap(text: string, pattern: RegExp, to: string, count: number): string {
	const found = text.match(pattern)?.length ?? 0;
	if (found !== count) throw new Error(`floor: expected ${count} of ${pattern} in start_campaign, found ${found}`);
	return text.replace(pattern, to);
}

/**
 * A copy of public.start_campaign (as defined in this database) in `schema`, writing that
 * schema's copies of the three tables. Nothing else changes but the month's spend: after the
 * real start it would sum the real start's texts (in the real start it summed none), so 0.
 * `keys` false: the copies have no unique key, so the contacts' ON CONFLICT goes (the list has
 * no repeated number, so it skipped nothing in the real start either).
 */
async function floorStart(sql: Sql, schema: string, keys: boolean): Promise<void> {
	await sql.unsafe(`create schema ${schema}`);
	for (const table of WRITTEN) {
		await sql.unsafe(`create table ${schema}.${table} (like public.${table} including defaults)`);
		if (!keys) continue;
		const unique = await sql<{ def: string }[]>`
			select pg_get_indexdef(i.indexrelid) as def from pg_index i
			where i.indrelid = ${'public.' + table}::regclass and i.indisunique`;
		for (const { def } of unique) await sql.unsafe(swap(def, new RegExp(` ON public\\.${table} `, 'g'), ` ON ${schema}.${table} `, 1));
	}
	const [{ def }] = await sql<{ def: string }[]>`select pg_get_functiondef('public.start_campaign(uuid, boolean)'::regprocedure) as def`;
	let copy = swap(def, /FUNCTION public\.start_campaign\(/g, `FUNCTION ${schema}.start_campaign(`, 1);
	copy = swap(copy, /\bpublic\.contacts\b/g, `${schema}.contacts`, 2);
	copy = swap(copy, /\bpublic\.sms_messages\b/g, `${schema}.sms_messages`, 1);
	copy = swap(copy, /\bpublic\.queue_jobs\b/g, `${schema}.queue_jobs`, 1);
	copy = swap(copy, /internal\.workspace_month_spend\(v_org\.id\)/g, '0::numeric', 1);
	if (!keys) copy = swap(copy, /on conflict \(organization_id, phone_hash\) do nothing/g, '', 1);
	await sql.unsafe(copy);
	await sql.unsafe(`grant usage on schema ${schema} to authenticated`);
	await sql.unsafe(`grant execute on function ${schema}.start_campaign(uuid, boolean) to authenticated`);
}

async function graphile(): Promise<number> {
	const db = await startBenchDatabase('campaign-start-graphile');
	const utils = await makeWorkerUtils({ connectionString: db.url, logger: new Logger(() => () => {}) });
	try {
		await utils.migrate();
		const specs = Array.from({ length: N }, (_, i) => ({
			identifier: 'send_sms',
			payload: { to: `+1555${String(1_000_000 + i).slice(1)}`, text: `Hi Name${i}, 20% off this weekend with code SAVE${i % 1000}.` }
		}));
		const started = performance.now();
		for (let i = 0; i < N; i += CHUNK) await utils.addJobs(specs.slice(i, i + CHUNK));
		return N / ((performance.now() - started) / 1000);
	} finally {
		await utils.release();
		await db.stop();
	}
}

export async function run(): Promise<BenchResult[]> {
	const peer = await graphile();
	const db = await startBenchDatabase('campaign-start');
	try {
		const [{ id: operator }] = await db.sql<{ id: string }[]>`insert into auth.users (email, email_confirmed_at) values ('bench-owner@example.com', now()) returning id`;
		const [org] = await db.sql<{ id: string }[]>`insert into public.organizations (slug, name) values ('bench', 'Bench') returning id`;
		await db.sql`select public.add_organization_member(${org!.id}, ${operator}, 'owner')`;
		await db.sql`insert into public.sms_pricing (iso_country, price_unit, outbound_price, expires_at) values ('US', 'USD', 0.0079, now() + interval '1 day')`;
		const [imp] = await db.sql<{ id: string }[]>`insert into public.sms_campaign_imports (organization_id) values (${org!.id}) returning id`;
		await insertRecipients(db.sql, imp!.id, N);
		// One in a hundred numbers opted out: skipped and counted, as in a real list.
		await insertOptOuts(db.sql, N);
		const claims = { sub: operator, role: 'authenticated' as const };
		const app = createDb({ url: db.url, max: 2, applicationName: 'bench-campaign' });
		try {
			const [{ id }] = await app.asUser(claims, (tx) => tx<{ id: string }[]>`
				select public.create_campaign(${org!.id}, ${imp!.id}, null, 'Hi {{first_name}}, 20% off this weekend with code {{code}}.', 'Bench', null, 50, null) as id`);
			const started = performance.now();
			const [{ r }] = await app.asUser(claims, (tx) => tx<{ r: { queued: number; skipped: number } }[]>`select public.start_campaign(${id}) as r`);
			const seconds = (performance.now() - started) / 1000;
			const [{ jobs }] = await db.sql<{ jobs: number }[]>`select count(*)::int as jobs from public.queue_jobs where job_type = 'send_sms'`;
			if (r.queued + r.skipped !== N || jobs !== r.queued) throw new Error(`expected ${N} texts, got ${JSON.stringify(r)} and ${jobs} jobs`);

			// The floors, after the real start (its figure is measured as before): a fresh campaign of
			// the same list each, started by the copy. Not timed: VACUUM ANALYZE of what the previous
			// start wrote and a CHECKPOINT, so that neither its autovacuum nor its dirty pages' write-back
			// lands in the next figure (the real start gets no such help: the floors are, if anything, favoured).
			let previous = WRITTEN.map((t) => `public.${t}`);
			const floor = async (schema: string, keys: boolean) => {
				await floorStart(db.sql, schema, keys);
				await db.sql.unsafe(`vacuum analyze ${previous.join(', ')}`);
				await db.sql`checkpoint`;
				previous = WRITTEN.map((t) => `${schema}.${t}`);
				const [{ id: campaign }] = await app.asUser(claims, (tx) => tx<{ id: string }[]>`
					select public.create_campaign(${org!.id}, ${imp!.id}, null, 'Hi {{first_name}}, 20% off this weekend with code {{code}}.', 'Bench', null, 50, null) as id`);
				const began = performance.now();
				const [{ f }] = await app.asUser(claims, (tx) =>
					tx<{ f: { queued: number; skipped: number } }[]>`select ${tx(schema)}.start_campaign(${campaign}) as f`);
				const took = (performance.now() - began) / 1000;
				const [counts] = await db.sql<{ contacts: number; texts: number; jobs: number }[]>`
					select (select count(*)::int from ${db.sql(schema)}.contacts) as contacts,
					       (select count(*)::int from ${db.sql(schema)}.sms_messages where campaign_id = ${campaign} and contact_id is not null) as texts,
					       (select count(*)::int from ${db.sql(schema)}.queue_jobs where job_type = 'send_sms') as jobs`;
				if (f.queued !== r.queued || f.skipped !== r.skipped || counts!.contacts !== N || counts!.texts !== N || counts!.jobs !== r.queued) {
					throw new Error(`floor ${schema}: expected ${N} contacts and texts and ${r.queued} jobs, got ${JSON.stringify(f)} and ${JSON.stringify(counts)}`);
				}
				return N / took;
			};
			const bare = await floor('bench_floor_bare', false);
			const keyed = await floor('bench_floor_keys', true);
			const floorNote = `start_campaign's own definition, only its three target tables swapped (and the month's spend, 0); same list, same run, after the real start, each after an untimed VACUUM ANALYZE and CHECKPOINT`;
			return [
				{
					name: 'start_campaign (texts + jobs created)',
					value: N / seconds,
					unit: 'texts/s',
					peer: { name: 'graphile-worker addJobs, same count', value: peer },
					ratioTarget: '>= 1',
					notes: `${N} recipients in one call (${r.skipped} opted out, skipped); ours also writes a contact (audited), renders the template and prices each text`
				},
				{
					name: 'floor: start_campaign into bare tables (no key, index, FK, trigger or RLS) (attribution)',
					value: bare,
					unit: 'texts/s',
					peer: { name: 'graphile-worker addJobs, same count', value: peer },
					notes: `${floorNote}; copies made LIKE … INCLUDING DEFAULTS (no checks either), so the contacts' ON CONFLICT goes (no repeated number in the list)`
				},
				{
					name: 'floor: start_campaign into tables with primary and unique keys only (attribution)',
					value: keyed,
					unit: 'texts/s',
					peer: { name: 'graphile-worker addJobs, same count', value: peer },
					notes: `${floorNote}; the copies have each table's unique indexes (primary key, contacts (organization_id, phone_hash), dedup keys …), nothing else`
				}
			];
		} finally {
			await app.end();
		}
	} finally {
		await db.stop();
	}
}
