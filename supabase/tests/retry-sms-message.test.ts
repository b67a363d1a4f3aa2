/** retry_sms_message: a dead letter can be retried by an admin (service role), as a new text. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@sms/db/testing';
import { asPerson, createPerson, dispatchedMessage, nextSid, queueFor, sqlError, sqlState, type Person } from './fixtures.ts';

let t: TestDatabase;
let alice: Person;

beforeAll(async () => {
	t = await createTestDatabase();
	alice = await createPerson(t.sql, 'alice');
});
afterAll(async () => {
	await t?.close();
});

async function deadLetter(body: string): Promise<string> {
	const id = await queueFor(t.sql, alice, body);
	await t.sql`select public.mark_sms_dispatching(${id})`;
	await t.sql`select public.mark_sms_failed(${id}, 20429, 'Too many requests (retries exhausted)')`;
	return id;
}

function retry(id: string) {
	return t.db.asService((tx) => tx<{ id: string }[]>`select public.retry_sms_message(${id}) as id`).then((r) => r[0]!.id);
}

describe('retry_sms_message', () => {
	it('queues a new text with the same content and a job, linked to the failed one, which stays failed', async () => {
		const failed = await deadLetter('Your appointment is tomorrow');
		const retried = await retry(failed);
		expect(retried).not.toBe(failed);
		const rows = await t.sql<{ id: string; status: string; message_content: string; retry_of: string | null; job_status: string | null }[]>`
			select m.id, m.status, m.message_content, m.retry_of, j.status as job_status
			from public.sms_messages m left join public.queue_jobs j on j.id = m.queue_job_id
			where m.id in (${failed}, ${retried})`;
		const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
		expect(byId[failed]).toMatchObject({ status: 'failed', retry_of: null });
		expect(byId[retried]).toMatchObject({ status: 'pending', message_content: 'Your appointment is tomorrow', retry_of: failed, job_status: 'pending' });
	});

	it('creates one retry while it is on its way, even when asked twice at once', async () => {
		const failed = await deadLetter('Only once please');
		const results = await Promise.allSettled([retry(failed), retry(failed)]);
		expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
		const [{ n }] = await t.sql<{ n: number }[]>`select count(*)::int as n from public.sms_messages where retry_of = ${failed}`;
		expect(n).toBe(1);
		const again = await sqlError(() => retry(failed));
		expect(again).toMatchObject({ code: 'SM015' });
	});

	it('refuses texts that did not fail, and undelivered ones are retryable', async () => {
		const pending = await queueFor(t.sql, alice, 'still pending');
		expect((await sqlError(() => retry(pending))).code).toBe('SM014');
		const sid = nextSid();
		const delivered = await dispatchedMessage(t.sql, alice, sid);
		await t.sql`select public.apply_sms_status(${sid}, 'delivered')`;
		expect((await sqlError(() => retry(delivered))).code).toBe('SM014');

		const sid2 = nextSid();
		const undelivered = await dispatchedMessage(t.sql, alice, sid2);
		await t.sql`select public.apply_sms_status(${sid2}, 'undelivered', 30003, 'Unreachable handset')`;
		expect(await retry(undelivered)).toBeTruthy();
	});

	it('is not callable by signed-in users, not even for their own texts', async () => {
		const failed = await deadLetter('mine');
		const state = await sqlState(() => asPerson(t, alice, (tx) => tx`select public.retry_sms_message(${failed})`));
		expect(state).toBe('42501');
	});
});
