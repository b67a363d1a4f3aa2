/** Status reports: the forward-only rule, the event log, and reports that race the SID. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { createTestDatabase, type TestDatabase } from '@sms/db/testing';
import { createPerson, dispatchedMessage, nextSid, queueFor, sqlError, type Person } from './fixtures.ts';
import { sealedPhoneText } from '@sms/db/testing';

let t: TestDatabase;
let alice: Person;

beforeAll(async () => {
	t = await createTestDatabase({ max: 20 });
	alice = await createPerson(t.sql, 'alice');
});

afterAll(async () => {
	await t?.close();
});

interface Outcome {
	outcome: string;
	message_id: string | null;
	status: string | null;
	event_id: number;
}

async function report(sid: string, status: string, extra: { errorCode?: number; price?: string } = {}): Promise<Outcome> {
	return t.db.asService(async (tx) => {
		const [row] = await tx<{ r: Outcome }[]>`
			select public.apply_sms_status(${sid}, ${status}, p_error_code => ${extra.errorCode ?? null},
				p_payload => ${tx.json({ MessageSid: sid, MessageStatus: status })},
				p_price => ${extra.price ?? null}::numeric, p_price_unit => ${extra.price ? 'USD' : null}) as r`;
		return row.r;
	});
}

/** The same call without the role switch: for the large permutation runs, where speed matters. */
async function reportDirect(sid: string, status: string): Promise<Outcome> {
	const [row] = await t.sql<{ r: Outcome }[]>`select public.apply_sms_status(${sid}, ${status}) as r`;
	return row.r;
}

async function attach(messageId: string, sid: string, providerStatus: string | null = null): Promise<void> {
	await t.db.asService((tx) => tx`select public.attach_sms_sid(${messageId}, ${sid}, ${providerStatus}, 1, 'GSM-7')`);
}

/** A message the worker has marked dispatching; no SID stored yet. */
async function dispatching(): Promise<string> {
	const id = await queueFor(t.sql, alice);
	await t.sql`select public.mark_sms_dispatching(${id})`;
	return id;
}

async function message(id: string) {
	const [row] = await t.sql`select * from public.sms_messages where id = ${id}`;
	return row;
}

function permutations<T>(items: T[]): T[][] {
	if (items.length <= 1) return [items];
	const out: T[][] = [];
	items.forEach((item, i) => {
		for (const rest of permutations([...items.slice(0, i), ...items.slice(i + 1)])) out.push([item, ...rest]);
	});
	return out;
}

/** Every order of the set, and every order of the set with one element duplicated. */
function ordersWithDuplicates(set: string[]): string[][] {
	const seen = new Map<string, string[]>();
	for (const seq of [set, ...set.map((dup) => [...set, dup])]) {
		for (const p of permutations(seq)) seen.set(p.join(','), p);
	}
	return [...seen.values()];
}

const sets: { set: string[]; final: string }[] = [
	{ set: ['sent', 'delivered'], final: 'delivered' },
	{ set: ['sent', 'undelivered'], final: 'undelivered' },
	{ set: ['queued', 'sent', 'delivered', 'read'], final: 'delivered' },
	// No final state: only the ranks keep a late 'queued' from undoing 'sent'.
	{ set: ['queued', 'sending', 'sent'], final: 'sent' }
];

/** Runs async tasks with bounded concurrency (the pool has 20 connections). */
async function inParallel<T>(items: T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
	let next = 0;
	await Promise.all(
		Array.from({ length: limit }, async () => {
			while (next < items.length) await run(items[next++]);
		})
	);
}

describe('apply_sms_status: every order, with duplicates', () => {
	describe.each(sets)('{$set}', ({ set, final }) => {
		const orders = ordersWithDuplicates(set);

		it.each([
			['the SID is stored before any report', 0],
			['the first half of the reports arrive before the SID is stored', 0.5],
			['every report arrives before the SID is stored', 1]
		])(`ends ${final} with every event kept when %s`, async (_label, orphanShare) => {
			await inParallel(orders, 16, async (order) => {
				const id = await dispatching();
				const sid = nextSid();
				const early = Math.round(order.length * orphanShare);
				for (const status of order.slice(0, early)) expect((await reportDirect(sid, status)).outcome).toBe('orphaned');
				await t.sql`select public.attach_sms_sid(${id}, ${sid}, null, 1, 'GSM-7')`;
				for (const status of order.slice(early)) await reportDirect(sid, status);

				const m = await message(id);
				expect({ order: order.join(','), status: m.status }).toEqual({ order: order.join(','), status: final });
				expect(m.sent_at).toBeInstanceOf(Date);
				expect(m.delivered_at instanceof Date).toBe(final === 'delivered');
				expect(m.failed_at instanceof Date).toBe(final === 'undelivered');
				const events = await t.sql<{ raw_status: string; message_id: string | null }[]>`
					select raw_status, message_id from public.sms_delivery_events
					where twilio_sid = ${sid} and source = 'webhook' order by id`;
				expect(events.map((e) => e.raw_status)).toEqual(order);
				expect(events.every((e) => e.message_id === id)).toBe(true);
			});
		});
	});
});

describe('apply_sms_status: rules', () => {
	it('among final states delivered wins; otherwise the first final state stands', async () => {
		const a = await dispatchedMessage(t.sql, alice, nextSid());
		const [{ twilio_sid: sidA }] = await t.sql`select twilio_sid from public.sms_messages where id = ${a}`;
		expect((await report(sidA, 'undelivered', { errorCode: 30003 })).outcome).toBe('applied');
		expect((await report(sidA, 'delivered')).outcome).toBe('applied');
		expect((await message(a)).status).toBe('delivered');

		const b = await dispatchedMessage(t.sql, alice, nextSid());
		const [{ twilio_sid: sidB }] = await t.sql`select twilio_sid from public.sms_messages where id = ${b}`;
		await report(sidB, 'failed', { errorCode: 30008 });
		expect((await report(sidB, 'undelivered', { errorCode: 30003 })).outcome).toBe('stale');
		const mb = await message(b);
		expect(mb).toMatchObject({ status: 'failed', error_code: 30008 });
	});

	it('duplicates and late lower states change nothing; timestamps are set once', async () => {
		const sid = nextSid();
		const id = await dispatchedMessage(t.sql, alice, sid);
		await report(sid, 'sent');
		const afterSent = await message(id);
		expect((await report(sid, 'sent')).outcome).toBe('duplicate');
		await report(sid, 'delivered');
		const afterDelivered = await message(id);
		expect((await report(sid, 'delivered')).outcome).toBe('duplicate');
		expect((await report(sid, 'read')).outcome).toBe('duplicate');
		expect((await report(sid, 'sent')).outcome).toBe('stale');
		expect((await report(sid, 'queued')).outcome).toBe('stale');
		const final = await message(id);
		expect(final.sent_at).toEqual(afterSent.sent_at);
		expect(final.delivered_at).toEqual(afterDelivered.delivered_at);
		expect(final.updated_at).toEqual(afterDelivered.updated_at);
		expect(final.status).toBe('delivered');
	});

	it('a late lower non-final state does not move a message back', async () => {
		const sid = nextSid();
		const id = await dispatchedMessage(t.sql, alice, sid);
		expect((await report(sid, 'sent')).outcome).toBe('applied');
		expect((await report(sid, 'sending')).outcome).toBe('stale');
		expect((await report(sid, 'accepted')).outcome).toBe('stale');
		expect(await message(id)).toMatchObject({ status: 'sent', provider_status: 'sent' });
	});

	it('an unknown status is kept as an event and changes nothing, without raising', async () => {
		const sid = nextSid();
		const id = await dispatchedMessage(t.sql, alice, sid);
		const before = await message(id);
		const result = await report(sid, 'teleported');
		expect(result).toMatchObject({ outcome: 'unknown_status', message_id: id, status: 'queued' });
		expect(await message(id)).toEqual(before);
		const [event] = await t.sql`select raw_status, status, applied, payload from public.sms_delivery_events where id = ${result.event_id}`;
		expect(event).toEqual({
			raw_status: 'teleported',
			status: null,
			applied: false,
			payload: { MessageSid: sid, MessageStatus: 'teleported' }
		});
	});

	it('a report for a SID nobody has (yet) is kept with no message', async () => {
		const sid = nextSid();
		const result = await report(sid, 'delivered');
		expect(result).toMatchObject({ outcome: 'orphaned', message_id: null });
		const [event] = await t.sql`select message_id, status from public.sms_delivery_events where id = ${result.event_id}`;
		expect(event).toEqual({ message_id: null, status: 'delivered' });
	});

	it('attach_sms_sid records the API answer and replays early reports in the order received', async () => {
		const id = await dispatching();
		const sid = nextSid();
		await report(sid, 'sent');
		await report(sid, 'undelivered', { errorCode: 30005 });
		await t.db.asService((tx) => tx`select public.attach_sms_sid(${id}, ${sid}, 'queued', 2, 'UCS-2', -0.0079)`);
		const m = await message(id);
		expect(m).toMatchObject({ status: 'undelivered', error_code: 30005, segments: 2, encoding: 'UCS-2', price: '-0.00790' });
		const events = await t.sql`select source, raw_status, applied from public.sms_delivery_events where twilio_sid = ${sid} order by id`;
		expect(events).toEqual([
			{ source: 'webhook', raw_status: 'sent', applied: true },
			{ source: 'webhook', raw_status: 'undelivered', applied: true },
			{ source: 'api', raw_status: 'queued', applied: true }
		]);
		// Attaching the same SID again is harmless; another SID is refused.
		await attach(id, sid, 'queued');
		expect((await message(id)).status).toBe('undelivered');
		const conflict = await sqlError(() => attach(id, nextSid(), 'queued'));
		expect(conflict.code).toBe('SM011');
	});

	it('fills the price when a later report carries it', async () => {
		const sid = nextSid();
		const id = await dispatchedMessage(t.sql, alice, sid);
		await report(sid, 'delivered');
		expect((await report(sid, 'delivered', { price: '-0.0075' })).outcome).toBe('duplicate');
		expect(await message(id)).toMatchObject({ price: '-0.00750', price_unit: 'USD' });
	});

	it('racing callbacks on separate connections never regress the status', async () => {
		const messages = await Promise.all(
			Array.from({ length: 30 }, async () => {
				const sid = nextSid();
				return { id: await dispatchedMessage(t.sql, alice, sid), sid };
			})
		);
		await Promise.all(
			messages.flatMap(({ sid }) => ['sent', 'delivered', 'sending', 'sent', 'queued'].map((s) => report(sid, s)))
		);
		const rows = await t.sql`select status, count(*)::int as n from public.sms_messages
			where id in ${t.sql(messages.map((m) => m.id))} group by status`;
		expect(rows).toEqual([{ status: 'delivered', n: 30 }]);
	});

	it('a report racing attach_sms_sid is never lost', async () => {
		const cases = await Promise.all(Array.from({ length: 30 }, async () => ({ id: await dispatching(), sid: nextSid() })));
		await Promise.all(cases.flatMap(({ id, sid }) => [attach(id, sid), report(sid, 'delivered')]));
		const rows = await t.sql`select status, count(*)::int as n from public.sms_messages
			where id in ${t.sql(cases.map((c) => c.id))} group by status`;
		expect(rows).toEqual([{ status: 'delivered', n: 30 }]);
		const [orphans] = await t.sql`select count(*)::int as n from public.sms_delivery_events
			where message_id is null and twilio_sid in ${t.sql(cases.map((c) => c.sid))}`;
		expect(orphans.n).toBe(0);
	});

	it('notifies sms_status on every change and only on changes', async () => {
		const sid = nextSid();
		const id = await dispatchedMessage(t.sql, alice, sid);
		const received: { message_id: string; user_id: string; status: string }[] = [];
		const listener = postgres(t.url, { max: 1, onnotice: () => {} });
		try {
			await listener.listen('sms_status', (payload) => {
				const parsed = JSON.parse(payload) as { message_id: string; user_id: string; status: string };
				if (parsed.message_id === id) received.push(parsed);
			});
			for (const s of ['sent', 'sent', 'delivered', 'sent']) await report(sid, s);
			await expect.poll(() => received.length, { timeout: 2000 }).toBe(2);
			await new Promise((resolve) => setTimeout(resolve, 100));
			expect(received).toEqual([
				{ message_id: id, user_id: alice.id, status: 'sent' },
				{ message_id: id, user_id: alice.id, status: 'delivered' }
			]);
		} finally {
			await listener.end();
		}
	});

	it('delivery events cannot be changed or deleted, even by the service role', async () => {
		const sid = nextSid();
		await dispatchedMessage(t.sql, alice, sid);
		const { event_id } = await report(sid, 'sent');
		const update = await sqlError(() =>
			t.db.asService((tx) => tx`update public.sms_delivery_events set applied = false where id = ${event_id}`)
		);
		expect(update.code).toBe('SM012');
		const del = await sqlError(() => t.db.asService((tx) => tx`delete from public.sms_delivery_events where id = ${event_id}`));
		expect(del.code).toBe('42501');
		const rewrite = await sqlError(() =>
			t.db.asService((tx) => tx`update public.sms_delivery_events set raw_status = 'delivered' where id = ${event_id}`)
		);
		expect(rewrite.code).toBe('42501');
	});
});

describe('deleting a user', () => {
	it('removes their messages and events (the cascade passes the immutability guard)', async () => {
		const zoe = await createPerson(t.sql, 'zoe');
		const sid = nextSid();
		const id = await dispatchedMessage(t.sql, zoe, sid);
		await report(sid, 'delivered');
		await t.sql`delete from auth.users where id = ${zoe.id}`;
		const [left] = await t.sql`select
			(select count(*)::int from public.sms_messages where id = ${id}) as messages,
			(select count(*)::int from public.sms_delivery_events where twilio_sid = ${sid}) as events`;
		expect(left).toEqual({ messages: 0, events: 0 });
	});

	it('the service role deleting a message takes its events with it', async () => {
		const sid = nextSid();
		const id = await dispatchedMessage(t.sql, alice, sid);
		await t.db.asService((tx) => tx`delete from public.sms_messages where id = ${id}`);
		const [left] = await t.sql`select count(*)::int as n from public.sms_delivery_events where twilio_sid = ${sid}`;
		expect(left.n).toBe(0);
	});
});

describe('worker transitions', () => {
	it('mark_sms_dispatching tells the worker what it found; a second call does not re-dispatch', async () => {
		const id = await queueFor(t.sql, alice);
		const [first] = await t.sql`select public.mark_sms_dispatching(${id}) as prev`;
		const [second] = await t.sql`select public.mark_sms_dispatching(${id}) as prev`;
		expect([first.prev, second.prev]).toEqual(['pending', 'dispatching']);
		expect(await message(id)).toMatchObject({ status: 'dispatching', attempt_count: 1 });
	});

	it('defers, suppresses, fails and cancels, each logged as a worker event', async () => {
		const until = new Date(Date.now() + 7 * 3600_000);
		const deferred = await queueFor(t.sql, alice);
		await t.sql`select public.mark_sms_scheduled(${deferred}, ${until}, 'quiet_hours')`;
		expect(await message(deferred)).toMatchObject({ status: 'scheduled', scheduled_for: until, status_reason: 'quiet_hours' });

		const suppressed = await queueFor(t.sql, alice);
		const [s] = await t.sql`select public.mark_sms_suppressed(${suppressed}, 'opted_out') as ok`;
		expect(s.ok).toBe(true);
		const [again] = await t.sql`select public.mark_sms_dispatching(${suppressed}) as prev`;
		expect(again.prev).toBe('suppressed');
		expect((await message(suppressed)).status).toBe('suppressed');

		const failed = await dispatching();
		await t.sql`select public.mark_sms_failed(${failed}, 21211, 'Invalid To phone number')`;
		expect(await message(failed)).toMatchObject({ status: 'failed', error_code: 21211 });

		const canceled = await queueFor(t.sql, alice);
		const [c] = await t.sql`select public.cancel_sms_message(${canceled}, 'admin canceled') as ok`;
		expect(c.ok).toBe(true);
		const [job] = await t.sql`select j.status from public.queue_jobs j join public.sms_messages m on m.queue_job_id = j.id where m.id = ${canceled}`;
		expect(job.status).toBe('canceled');

		const events = await t.sql`select message_id, status from public.sms_delivery_events
			where source = 'worker' and message_id in ${t.sql([deferred, suppressed, failed, canceled])}
			and status <> 'dispatching' order by id`;
		expect(events.map((e) => e.status)).toEqual(['scheduled', 'suppressed', 'failed', 'canceled']);
	});

	it('a message Twilio has accepted cannot be suppressed or deferred by the worker', async () => {
		const id = await dispatchedMessage(t.sql, alice, nextSid());
		const [s] = await t.sql`select public.mark_sms_suppressed(${id}, 'late') as ok`;
		const [d] = await t.sql`select public.mark_sms_scheduled(${id}, now(), 'late') as ok`;
		expect([s.ok, d.ok]).toEqual([false, false]);
		expect((await message(id)).status).toBe('queued');
	});
});

describe('record_inbound_sms', () => {
	it('stores an inbound text once per SID, linked to the verified owner of the number', async () => {
		const sid = nextSid();
		const [a] = await t.sql`select public.record_inbound_sms(${sid}, ${sealedPhoneText(alice.phone)}::public.sealed_phone, 'Thanks!') as id`;
		const [b] = await t.sql`select public.record_inbound_sms(${sid}, ${sealedPhoneText(alice.phone)}::public.sealed_phone, 'Thanks!') as id`;
		expect(b.id).toBe(a.id);
		expect(await message(a.id)).toMatchObject({ direction: 'inbound', status: 'received', user_id: alice.id });
		const [stranger] = await t.sql`select public.record_inbound_sms(${nextSid()}, ${sealedPhoneText('+14155550000')}::public.sealed_phone, 'who?') as id`;
		expect((await message(stranger.id)).user_id).toBeNull();
	});
});
