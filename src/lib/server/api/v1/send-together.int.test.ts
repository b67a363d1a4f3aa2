import type { TransactionSql } from 'postgres';
import { createTestDatabase, createUser, phoneColumns, sealedPhoneText, type TestDatabase } from '@sms/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SendMessageRequest, type SendMessageRequest as SendInput } from '$lib/api/v1/schemas/messages';
import { sealRecipient } from './phones.ts';
import { createKey, createWorkspace } from './test-support.ts';

// public.api_send_messages (20261205120000): the POST /messages that arrive together, the plain
// ones queued set-based. Each answer must be the one api_send_message gives the same request
// alone, and the texts the same rows.

let t: TestDatabase;
let key: Awaited<ReturnType<typeof createKey>>;
let ws: { organizationId: string; ownerId: string };
let userId: string;
let contactId: string;
let theirContact: string;
let other: { organizationId: string; ownerId: string };

interface Answer {
	status: number;
	body?: { id: string; createdAt: string; [k: string]: unknown };
	rateLimitPerSecond?: number;
}
type Sent = { body: SendInput; idempotencyKey?: string };

const message = (body: SendInput) => sealRecipient(SendMessageRequest.parse(body));

type Key = Awaited<ReturnType<typeof createKey>>;

/** The requests as the coalescer sends them: one statement, one commit (each request under key, or its own). */
async function together(sent: (Sent & { key?: Key })[], sql: TransactionSql | TestDatabase['db']['service'] = t.db.service): Promise<Answer[]> {
	const keyOf = (s: Sent & { key?: Key }) => s.key ?? key;
	const rows = await sql<{ request: number; answer: Answer }[]>`
		select request, answer from public.api_send_messages(
			${sent.map((s) => keyOf(s).hash)}::text[], ${sent.map((s) => keyOf(s).prefix)}::text[], ${sent.map(() => null)}::inet[],
			${sent.map((s) => JSON.stringify(message(s.body)))}::text[]::jsonb[],
			${sent.map((s) => s.idempotencyKey ?? null)}::text[], ${sent.map((s) => (s.idempotencyKey ? `fp-${s.idempotencyKey}` : ''))}::text[])`;
	expect(rows.map((r) => r.request).sort((a, b) => a - b)).toEqual(sent.map((_, i) => i + 1));
	return sent.map((_, i) => rows.find((r) => r.request === i + 1)!.answer);
}

/** The same request alone, as it ran before. */
async function alone(s: Sent): Promise<Answer> {
	const sql = t.db.service;
	const [{ r }] = await sql<{ r: Answer }[]>`
		select public.api_send_message(${key.hash}, ${key.prefix}, null, ${sql.json(message(s.body) as never)},
			${s.idempotencyKey ?? null}, ${s.idempotencyKey ? `fp-${s.idempotencyKey}` : ''}) as r`;
	return r;
}

const withoutIdentity = (a: Answer) => ({ ...a, body: a.body && { ...a.body, id: 'id', createdAt: 'at' } });

/** What a text is, beside its id and time. */
async function texts(ids: string[]) {
	return t.sql`
		select m.id, m.user_id, m.contact_id, m.organization_id, m.phone_enc, m.phone_hash, m.phone_last4, m.calling_code,
		       m.message_content, m.template_key, m.notification_type, m.priority, m.status, m.status_reason, m.scheduled_for,
		       j.job_type, j.priority as job_priority, j.run_at = coalesce(m.scheduled_for, m.created_at) as job_on_time,
		       md.metadata, md.api_key_id
		from unnest(${ids}::uuid[]) with ordinality x (id, n)
		join public.sms_messages m on m.id = x.id
		left join public.queue_jobs j on j.id = m.queue_job_id
		left join public.api_message_metadata md on md.message_id = m.id
		order by x.n`;
}

beforeAll(async () => {
	t = await createTestDatabase({ max: 5 });
	ws = await createWorkspace(t.sql, 'together');
	other = await createWorkspace(t.sql, 'together-other');
	key = await createKey(t.db, ws);
	userId = await createUser(t.sql);
	await t.sql`insert into public.organization_members (organization_id, user_id, role) values (${ws.organizationId}, ${userId}, 'operator')`;
	await t.sql`select public.set_verified_phone(${userId}, ${sealedPhoneText('+14155550111')}::public.sealed_phone)`;
	await t.sql`insert into public.sms_templates (organization_id, template_key, name, message_template, template_vars, notification_type)
		values (${ws.organizationId}, 'brief', 'Brief', 'Your brief: {{count}} tasks', '["count"]', 'daily_brief')`;
	[{ id: contactId }] = await t.sql`
		insert into public.contacts ${t.sql({ organization_id: ws.organizationId, name: 'A', external_id: 'tog-ext', ...phoneColumns('+14155550911') })} returning id`;
	[{ id: theirContact }] = await t.sql`
		insert into public.contacts ${t.sql({ organization_id: other.organizationId, name: 'T', ...phoneColumns('+14155550999') })} returning id`;
});
afterAll(async () => t?.close());

describe('POST /messages arriving together (api_send_messages)', () => {
	it('answers every request as api_send_message answers it alone, and queues the same texts', async () => {
		const inTwoDays = new Date(Date.now() + 2 * 86_400_000).toISOString();
		const sent: Sent[] = [
			{ body: { to: { contactId }, body: 'by contact id' } },
			{ body: { to: { externalId: 'tog-ext' }, body: 'by external id', metadata: { run: 'together' } } },
			{ body: { to: { phone: '+14155550921' }, body: 'a new number' } },
			{ body: { to: { userId }, template: 'brief', variables: { count: 2 } } },
			{ body: { to: { phone: '+14155550921' }, body: 'the same new number', priority: 'high' } },
			{ body: { to: { phone: '+14155550911' }, body: 'a known number', type: 'daily_brief', sendAt: inTwoDays } },
			{ body: { to: { contactId }, body: 'under a key' }, idempotencyKey: 'together-1' },
			{ body: { to: { externalId: 'tog-new', name: 'New', phone: '+14155550931' }, body: 'upserted' } }
		];
		const got = await together(sent);
		expect(got.map((a) => a.status)).toEqual(sent.map(() => 202));
		const [{ n: contactsMade }] = await t.sql<{ n: number }[]>`
			select count(*)::int as n from public.contacts where organization_id = ${ws.organizationId} and name is null`;
		expect(contactsMade).toBe(1);

		const expected: Answer[] = [];
		for (const s of sent) expected.push(await alone({ ...s, idempotencyKey: s.idempotencyKey && `${s.idempotencyKey}-alone` }));
		expect(got.map(withoutIdentity)).toEqual(expected.map(withoutIdentity));
		const strip = (rows: Record<string, unknown>[]) => rows.map(({ id: _id, ...r }) => r);
		expect(strip(await texts(got.map((a) => a.body!.id)))).toEqual(strip(await texts(expected.map((a) => a.body!.id))));
	});

	it('any plain request refused among four or more refuses the statement, writing nothing (each then runs alone)', async () => {
		const [{ n: before }] = await t.sql<{ n: number }[]>`select count(*)::int as n from public.sms_messages`;
		await expect(
			together([
				{ body: { to: { contactId }, body: 'fine' } },
				{ body: { to: { externalId: 'tog-ext' }, body: 'fine too' } },
				{ body: { to: { contactId: theirContact }, body: 'not yours' } },
				{ body: { to: { phone: '+14155550941' }, body: 'a new number' } }
			])
		).rejects.toMatchObject({ code: 'AP010' });
		const [{ n: after }] = await t.sql<{ n: number }[]>`select count(*)::int as n from public.sms_messages`;
		expect(after).toBe(before);
		const [{ n: contacts }] = await t.sql<{ n: number }[]>`
			select count(*)::int as n from public.contacts where organization_id = ${ws.organizationId} and phone_enc is not null and name is null`;
		expect(contacts).toBe(1);
	});

	it('queue_sms_messages_bulk twice in one transaction answers each call with its own texts', async () => {
		const rows = (label: string, n: number) => Array.from({ length: n }, (_, i) => ({ contact_id: contactId, organization_id: ws.organizationId, message: `${label} ${i}` }));
		const sql = t.db.service;
		const [first, second] = await sql.begin(async (tx) => [
			await tx<{ id: string }[]>`select id from public.queue_sms_messages_bulk(${tx.json(rows('first', 3))}) as q (id)`,
			await tx<{ id: string }[]>`select id from public.queue_sms_messages_bulk(${tx.json(rows('second', 2))}) as q (id)`
		]);
		const bodies = async (ids: { id: string }[]) =>
			(await t.sql<{ message_content: string }[]>`
				select m.message_content from unnest(${ids.map((r) => r.id)}::uuid[]) with ordinality x (id, n)
				join public.sms_messages m on m.id = x.id order by x.n`).map((m) => m.message_content);
		expect(await bodies(first)).toEqual(['first 0', 'first 1', 'first 2']);
		expect(await bodies(second)).toEqual(['second 0', 'second 1']);
		// And the next transaction on the same connection starts with none of them.
		const third = await sql.begin(async (tx) => tx<{ id: string }[]>`select id from public.queue_sms_messages_bulk(${tx.json(rows('third', 1))}) as q (id)`);
		expect(await bodies(third)).toEqual(['third 0']);
	});
	it('answer without reading every text, however many there are (the plans a connection keeps)', async () => {
		// A plan kept for the connection, made while sms_messages was small, may join to it by
		// scanning it: once the table has grown, every request would read every text. So: plans made
		// on a small table (more calls than the five custom plans a function gets before its generic
		// one), then many texts, then the same calls, counting the scans of sms_messages.
		const sql = t.db.service;
		const seqScans = async (tx: TransactionSql) =>
			(await tx<{ n: number }[]>`select coalesce(sum(seq_scan), 0)::int as n from pg_stat_xact_user_tables where relid = 'public.sms_messages'::regclass`)[0].n;
		const calls = async (tx: TransactionSql, round: string) => {
			for (let call = 0; call < 8; call++) {
				const sent = Array.from({ length: 6 }, (_, i) => JSON.stringify(message({ to: { contactId }, body: `together ${round} ${call}/${i}` })));
				const answers = await tx<{ answer: Answer }[]>`
					select answer from public.api_send_messages(${sent.map(() => key.hash)}::text[], ${sent.map(() => key.prefix)}::text[],
						${sent.map(() => null)}::inet[], ${sent}::text[]::jsonb[], ${sent.map(() => null)}::text[], ${sent.map(() => '')}::text[])`;
				expect(answers.map((a) => a.answer.status)).toEqual(Array(6).fill(202));
			}
		};
		const scanned = await sql.begin(async (tx) => {
			await tx`analyze public.sms_messages`;
			await calls(tx, 'small');
			for (let k = 0; k < 20; k++) {
				const rows = Array.from({ length: 1000 }, (_, i) => ({ contact_id: contactId, organization_id: ws.organizationId, message: `filler ${k}/${i}` }));
				await tx`select count(*) from public.queue_sms_messages_bulk(${tx.json(rows)})`;
			}
			const before = await seqScans(tx);
			await calls(tx, 'large');
			return (await seqScans(tx)) - before;
		});
		expect(scanned).toBe(0);
	});

	it('requests under several keys, of one workspace or two, go set-based together: one write a workspace, none one by one', async () => {
		// A workspace's services each have their own key, and the route gathers whatever arrives:
		// grouped by the first key alone, most of such a batch went one by one (bench/api-v1).
		const second = await createKey(t.db, ws, { ratePerSecond: 77 });
		const third = await createKey(t.db, ws, { ratePerSecond: 55 });
		const theirs = await createKey(t.db, other, { ratePerSecond: 66 });
		const unknown = { ...second, hash: 'f'.repeat(64), prefix: 'sk_live_ffffffff' };
		const readOnly = await createKey(t.db, ws, { scopes: ['messages:read'] });
		const sent: (Sent & { key?: Key })[] = [
			{ body: { to: { contactId }, body: 'first key', metadata: { from: 'first' } } },
			{ body: { to: { contactId }, body: 'second key', metadata: { from: 'second' } }, key: second },
			{ body: { to: { contactId: theirContact }, body: 'their key' }, key: theirs },
			{ body: { to: { externalId: 'tog-ext' }, body: 'third key' }, key: third },
			{ body: { to: { contactId }, body: 'no such key' }, key: unknown },
			{ body: { to: { contactId: theirContact }, body: 'their key again', metadata: { from: 'theirs' } }, key: theirs },
			{ body: { to: { contactId }, body: 'read-only key' }, key: readOnly }
		];
		const { got, calls } = await t.sql.begin(async (tx) => {
			await tx`set local track_functions = 'all'`;
			const got = await together(sent, tx);
			const calls = Object.fromEntries(
				(await tx<{ funcname: string; calls: number }[]>`
					select funcname, calls::int from pg_stat_xact_user_functions where funcname in ('api_send_message', 'api_send_batch_fast')`).map((r) => [r.funcname, r.calls])
			);
			return { got, calls };
		});
		expect(got.map((a) => a.status)).toEqual([202, 202, 202, 202, 401, 202, 403]);
		// Only the two refusals one by one; one set-based write for each workspace.
		expect(calls).toEqual({ api_send_message: 2, api_send_batch_fast: 2 });
		expect(got.map((a) => a.rateLimitPerSecond)).toEqual([1000, 77, 66, 55, null, 66, 1000]);
		const rows = await texts([0, 1, 2, 3, 5].map((i) => got[i].body!.id));
		expect(rows.map((r) => [r.organization_id, r.message_content, r.metadata, r.api_key_id])).toEqual([
			[ws.organizationId, 'first key', { from: 'first' }, key.id],
			[ws.organizationId, 'second key', { from: 'second' }, second.id],
			[other.organizationId, 'their key', null, null],
			[ws.organizationId, 'third key', null, null],
			[other.organizationId, 'their key again', { from: 'theirs' }, theirs.id]
		]);
	});
});
