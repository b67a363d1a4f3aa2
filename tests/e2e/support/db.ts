import postgres from 'postgres';
import { e2e } from './env.ts';

export type Sql = postgres.Sql;

/** A direct connection to the stack's database, for arranging fixtures the UI cannot create. */
export function connect(): Sql {
	return postgres(e2e.databaseUrl, { max: 2, onnotice: () => {} });
}

export async function userId(sql: Sql, email: string): Promise<string> {
	const [row] = await sql<{ id: string }[]>`select id from auth.users where lower(email) = lower(${email})`;
	if (!row) throw new Error(`no user ${email}`);
	return row.id;
}

/** An outbound text as the worker leaves it after handing it to Twilio (or before, without a SID). */
export async function insertMessage(
	sql: Sql,
	options: { userId: string; sid: string | null; status?: string; body?: string; phone?: string }
): Promise<string> {
	const [row] = await sql<{ id: string }[]>`
		insert into public.sms_messages (user_id, phone_number, message_content, status, twilio_sid)
		values (${options.userId}, ${options.phone ?? '+15551230000'}, ${options.body ?? 'E2E text'},
			${options.status ?? 'queued'}, ${options.sid})
		returning id`;
	return row.id;
}

export async function messageState(sql: Sql, id: string): Promise<{ status: string; error_code: number | null }> {
	const [row] = await sql<{ status: string; error_code: number | null }[]>`
		select status, error_code from public.sms_messages where id = ${id}`;
	return row;
}

export async function eventCount(sql: Sql, sid: string): Promise<number> {
	const [row] = await sql<{ n: number }[]>`select count(*)::int as n from public.sms_delivery_events where twilio_sid = ${sid}`;
	return row.n;
}
