/**
 * Shared arrangements for the database tests. Fixtures are written with the superuser
 * connection (as Supabase Auth and the service would), assertions run as the roles under test.
 */
import postgres from 'postgres';
import type { Sql, TransactionSql } from '@sms/db';
import { createUser, phoneHash, sealedPhone, sealedPhoneText, type TestDatabase } from '@sms/db/testing';

export { openPhone, phoneColumns, phoneHash, sealedPhone, sealedPhoneText } from '@sms/db/testing';

export interface Person {
	id: string;
	email: string;
	/** E.164, for the test's own comparisons (the database holds it sealed only). */
	phone: string;
	/** Its blind index (every table's phone_hash); set by createPerson. */
	phoneHash?: string;
}

/** Rejects unless `run` fails with a Postgres error; resolves to its SQLSTATE. */
export async function sqlState(run: () => Promise<unknown>): Promise<string> {
	try {
		await run();
	} catch (error) {
		if (error instanceof postgres.PostgresError) return error.code;
		throw error;
	}
	throw new Error('expected a Postgres error, but the statement succeeded');
}

/** Like sqlState, but also returns the message (named exceptions start with their name). */
export async function sqlError(run: () => Promise<unknown>): Promise<{ code: string; message: string }> {
	try {
		await run();
	} catch (error) {
		if (error instanceof postgres.PostgresError) return { code: error.code, message: error.message };
		throw error;
	}
	throw new Error('expected a Postgres error, but the statement succeeded');
}

/**
 * The four sealed values of a number, as a fragment for a VALUES list or a SELECT whose column
 * list names `phone_enc, phone_hash, phone_last4, calling_code` (in that order).
 */
export function phoneValues(sql: Sql | TransactionSql, e164: string) {
	const s = sealedPhone(e164);
	return sql`${s.enc}::text, ${s.hash}::text, ${s.last4}::text, ${s.calling_code}::text`;
}

let phoneCounter = 0;
/** A fresh, valid E.164 number for each call (within one test file). */
export function nextPhone(): string {
	phoneCounter += 1;
	return `+1415555${String(1000 + phoneCounter).padStart(4, '0')}`;
}

/** A user with a verified phone (via set_verified_phone, as the web server does). */
export async function createPerson(sql: Sql, label: string): Promise<Person> {
	const email = `${label}-${Math.random().toString(36).slice(2, 8)}@example.com`;
	const id = await createUser(sql, { email });
	const phone = nextPhone();
	await sql`select public.set_verified_phone(${id}, ${sealedPhoneText(phone)}::public.sealed_phone)`;
	return { id, email, phone, phoneHash: phoneHash(phone) };
}

export async function makeAdmin(sql: Sql, person: Person): Promise<void> {
	await sql`insert into public.user_roles (user_id, role) values (${person.id}, 'admin')`;
}

/** One transaction as the signed-in person, with the claims PostgREST would set. */
export function asPerson<T>(t: TestDatabase, person: Person, fn: (tx: TransactionSql) => Promise<T>): Promise<T> {
	return t.db.asUser({ sub: person.id, role: 'authenticated', email: person.email }, fn);
}

/** Queues a text for the person's verified phone and returns its id. */
export async function queueFor(sql: Sql, person: Person, body = 'Hello from the tests'): Promise<string> {
	const [row] = await sql<{ id: string }[]>`select public.queue_sms_message(${person.id}, null, ${body}) as id`;
	return row.id;
}

/** Queues a text, marks it dispatching and attaches a SID, as the worker does after Twilio accepted it. */
export async function dispatchedMessage(sql: Sql, person: Person, sid: string): Promise<string> {
	const id = await queueFor(sql, person);
	await sql`select public.mark_sms_dispatching(${id})`;
	await sql`select public.attach_sms_sid(${id}, ${sid}, 'queued', 1, 'GSM-7')`;
	return id;
}

let sidCounter = 0;
/** A Twilio-shaped message SID, unique within the test file. */
export function nextSid(): string {
	sidCounter += 1;
	return `SM${sidCounter.toString(16).padStart(32, '0')}`;
}

export async function countRows(sql: Sql, table: string): Promise<number> {
	const [row] = await sql.unsafe<{ n: number }[]>(`select count(*)::int as n from public.${table}`);
	return row.n;
}
