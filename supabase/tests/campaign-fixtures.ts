/**
 * Campaign arrangements for the database tests: an import written as the web server writes it
 * (service role), a draft campaign created by a member through the SQL API, and the worker's
 * steps (begin dispatch, attach, status report) as SQL calls.
 */
import type { Sql } from '@sms/db';
import type { TestDatabase } from '@sms/db/testing';
import { openPhone, phoneColumns } from '@sms/db/testing';
import { asPerson, type Person } from './fixtures.ts';

export interface RecipientInput {
	phone: string;
	variables?: Record<string, string>;
	name?: string | null;
	timeZone?: string | null;
	country?: string;
	segments?: number;
}

export async function createImport(sql: Sql, organizationId: string, recipients: RecipientInput[]): Promise<string> {
	const [row] = await sql<{ id: string }[]>`
		insert into public.sms_campaign_imports (organization_id, file_name, columns, phone_column)
		values (${organizationId}, 'list.csv', ${['phone', 'first_name']}, 'phone') returning id`;
	const rows = recipients.map((r, i) => ({
		import_id: row.id,
		row_number: i + 2,
		...phoneColumns(r.phone),
		variables: r.variables ?? {},
		name: r.name ?? null,
		time_zone: r.timeZone ?? null,
		country: r.country ?? 'US',
		segments: r.segments ?? 1
	}));
	for (let i = 0; i < rows.length; i += 5000) {
		await sql`
			insert into public.sms_campaign_recipients (import_id, row_number, phone_enc, phone_hash, phone_last4, calling_code, variables, name, time_zone, country, segments)
			select import_id, row_number, phone_enc, phone_hash, phone_last4, calling_code, variables, name, time_zone, country, segments
			from jsonb_to_recordset(${sql.json(rows.slice(i, i + 5000))}) as r(
				import_id uuid, row_number integer, phone_enc text, phone_hash text, phone_last4 text, calling_code text,
				variables jsonb, name text, time_zone text, country text, segments integer)`;
	}
	return row.id;
}

export interface CampaignInput {
	importId: string;
	body?: string | null;
	templateId?: string | null;
	name?: string;
	type?: string | null;
	throttle?: number | null;
	scheduledAt?: Date | null;
}

export async function createCampaign(t: TestDatabase, person: Person, organizationId: string, input: CampaignInput): Promise<string> {
	const [row] = await asPerson(t, person, (tx) => tx<{ id: string }[]>`
		select public.create_campaign(${organizationId}, ${input.importId}, ${input.templateId ?? null},
			${input.templateId ? null : (input.body ?? 'Hi {{first_name}}')}, ${input.name ?? 'Spring sale'},
			${input.type ?? null}, ${input.throttle ?? null}, ${input.scheduledAt ?? null}) as id`);
	return row.id;
}

export async function startCampaign(t: TestDatabase, person: Person, campaignId: string, confirm = false): Promise<Record<string, unknown>> {
	const [row] = await asPerson(t, person, (tx) => tx<{ r: Record<string, unknown> }[]>`
		select public.start_campaign(${campaignId}, ${confirm}) as r`);
	return row.r;
}

export async function campaignRow(sql: Sql, id: string) {
	const [row] = await sql<
		{ status: string; pause_reason: string | null; total_count: number; skipped_count: number; remaining_count: number; final_count: number; failed_count: number }[]
	>`select c.status, c.pause_reason, c.total_count, c.skipped_count, c.queued_count - t.handed as remaining_count,
	         t.final as final_count, t.failed as failed_count
	  from public.sms_campaigns c cross join internal.campaign_totals(c.id) t where c.id = ${id}`;
	return row;
}

export async function campaignTexts(sql: Sql, id: string) {
	const rows = await sql<{ id: string; phone_enc: string; phone_hash: string; message_content: string; status: string; status_reason: string | null; job_status: string | null; run_at: Date | null; estimated_cost: string | null }[]>`
		select m.id, m.phone_enc, m.phone_hash, m.message_content, m.status, m.status_reason, j.status as job_status, j.run_at,
		       m.estimated_cost::text as estimated_cost
		from public.sms_messages m left join public.queue_jobs j on j.id = m.queue_job_id
		where m.campaign_id = ${id} order by m.dedup_key`;
	// The number opened (tests compare numbers, never ciphertexts).
	return rows.map(({ phone_enc, ...r }) => ({ ...r, phone_number: openPhone(phone_enc) }));
}

/** The worker's begin-dispatch step for some texts (as if their jobs had been claimed). */
export async function beginDispatch(sql: Sql, ids: string[]): Promise<Map<string, { outcome: string; previous: string | null }>> {
	await sql`
		update public.queue_jobs j set status = 'processing', locked_by = 'test-worker', locked_until = now() + interval '1 minute'
		from public.sms_messages m where m.id = any (${ids}::uuid[]) and j.id = m.queue_job_id and j.status = 'pending'`;
	const rows = await sql<{ message_id: string; outcome: string; previous: string | null }[]>`
		select * from public.sms_begin_dispatch(${ids}::uuid[],
			array_fill(current_date, array[${ids.length}::int]), array_fill(1000, array[${ids.length}::int]))`;
	return new Map(rows.map((r) => [r.message_id, { outcome: r.outcome, previous: r.previous }]));
}

let sid = 0;
/** Dispatch, provider accepted (a SID), then the provider's final word. */
export async function finish(sql: Sql, id: string, status: 'delivered' | 'undelivered' | 'failed', errorCode: number | null = null): Promise<void> {
	const started = await beginDispatch(sql, [id]);
	if (started.get(id)?.outcome !== 'dispatching') throw new Error(`text ${id} did not start: ${JSON.stringify(started.get(id))}`);
	sid += 1;
	const s = `SM${process.pid.toString(16)}${sid.toString(16).padStart(26, '0')}`.slice(0, 34).padEnd(34, '0');
	await sql`select public.attach_sms_sid(${id}, ${s}, 'queued', 1, 'GSM-7')`;
	await sql`select public.apply_sms_status(${s}, ${status}, ${errorCode}, ${errorCode ? 'failed in the test' : null})`;
}
