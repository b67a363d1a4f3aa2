import { readFileSync } from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import { PhoneCipher, type PhoneKeyConfig } from '@sms/db';
import { callingCodeOf } from '@sms/twilio-service/validate';
import { e2e } from './env.ts';

export type Sql = postgres.Sql;

let stackCipher: PhoneCipher | undefined;

/**
 * The running stack's phone cipher: the keys `npm start` generated into its data directory
 * (phone-keys.json), so what a spec seals the app opens, and what the app stored a spec can open.
 */
export function cipher(): PhoneCipher {
	stackCipher ??= new PhoneCipher(JSON.parse(readFileSync(path.join(e2e.dataDir, 'phone-keys.json'), 'utf8')) as PhoneKeyConfig);
	return stackCipher;
}

/** The sealed columns of a number, for inserts: sql`insert … ${sql(phoneColumns(x))}` or field by field. */
export function phoneColumns(e164: string): { phone_enc: string; phone_hash: string; phone_last4: string; calling_code: string | null } {
	const s = cipher().seal(e164);
	return { phone_enc: s.enc, phone_hash: s.hash, phone_last4: s.last4, calling_code: callingCodeOf(e164) };
}

/** The blind index of a number: how SQL finds it (sealing is randomized, so never compare phone_enc). */
export function phoneHash(e164: string): string {
	return cipher().blindIndex(e164);
}

export function openPhone(enc: string): string {
	return cipher().decrypt(enc);
}

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
	const p = phoneColumns(options.phone ?? '+15551230000');
	const [row] = await sql<{ id: string }[]>`
		insert into public.sms_messages (user_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, status, twilio_sid)
		values (${options.userId}, ${p.phone_enc}, ${p.phone_hash}, ${p.phone_last4}, ${p.calling_code}, ${options.body ?? 'E2E text'},
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

/** `public.sealed_phone` of a number, as SQL takes it: sql`select f(${sealedPhone(sql, x)})`. */
export function sealedPhone(sql: Sql, e164: string): postgres.PendingQuery<postgres.Row[]> {
	const p = phoneColumns(e164);
	return sql`row(${p.phone_enc}, ${p.phone_hash}, ${p.phone_last4}, ${p.calling_code})::public.sealed_phone`;
}

/** A verified number for a user, as a finished verification leaves it. */
export async function setVerifiedPhone(sql: Sql, user: string, e164: string): Promise<void> {
	await sql`select public.set_verified_phone(${user}, ${sealedPhone(sql, e164)})`;
}
