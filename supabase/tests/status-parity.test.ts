/**
 * The status rules have one home, SQL (sms_status_rank, sms_status_phase, sms_status_is_final,
 * sms_status_can_advance, sms_verdict_kind, normalize_twilio_status); @sms/twilio-service keeps
 * what the UI needs (normalizeTwilioStatus, verdictFor). This checks, for every status and every
 * pair of statuses, that the two agree and that apply_sms_status follows the one transition rule.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	APPLY_OUTCOMES,
	MESSAGE_STATUSES,
	TWILIO_STATUSES,
	VERDICT_KINDS,
	normalizeTwilioStatus,
	verdictFor,
	type ApplyStatusResult,
	type MessageStatus
} from '@sms/twilio-service';
import { createTestDatabase, type TestDatabase } from '@sms/db/testing';
import { createPerson, dispatchedMessage, nextSid, type Person } from './fixtures.ts';
import { sealedPhoneText } from '@sms/db/testing';

let t: TestDatabase;
let alice: Person;
beforeAll(async () => {
	t = await createTestDatabase();
	alice = await createPerson(t.sql, 'alice');
});
afterAll(async () => {
	await t?.close();
});

interface Facts {
	status: MessageStatus;
	rank: number;
	phase: string;
	final: boolean;
}

async function facts(): Promise<Map<MessageStatus, Facts>> {
	const rows = await t.sql<Facts[]>`
		select s as status, public.sms_status_rank(s) as rank, public.sms_status_phase(s) as phase,
		       public.sms_status_is_final(s) as final
		from unnest(${[...MESSAGE_STATUSES]}::text[]) as s`;
	return new Map(rows.map((r) => [r.status, r]));
}

const pairs = MESSAGE_STATUSES.flatMap((current) => MESSAGE_STATUSES.map((next) => [current, next] as const));

async function canAdvance(): Promise<Map<string, boolean | null>> {
	const rows = await t.sql<{ current: string; next: string; ok: boolean | null }[]>`
		select c as current, n as next, public.sms_status_can_advance(c, n) as ok
		from unnest(${pairs.map((p) => p[0])}::text[], ${pairs.map((p) => p[1])}::text[]) as x(c, n)`;
	return new Map(rows.map((r) => [`${r.current}>${r.next}`, r.ok]));
}

describe('status rules in SQL and TypeScript', () => {
	it('know every one of our statuses (and nothing else)', async () => {
		const all = await facts();
		for (const s of MESSAGE_STATUSES) {
			expect(all.get(s)?.rank, s).not.toBeNull();
			expect(all.get(s)?.phase, s).not.toBeNull();
		}
		const [unknown] = await t.sql<{ rank: number | null; phase: string | null; verdict: string | null }[]>`
			select public.sms_status_rank('bogus') as rank, public.sms_status_phase('bogus') as phase,
			       public.sms_verdict_kind('bogus', null, now()) as verdict`;
		expect(unknown).toEqual({ rank: null, phase: null, verdict: null });
	});

	it("normalise every one of Twilio's statuses (and odd spellings) the same", async () => {
		const raw = [...TWILIO_STATUSES, 'DELIVERED', ' Sent ', 'no-such-status', '', 'constructor'];
		const rows = await t.sql<{ raw: string; status: string | null }[]>`
			select r as raw, public.normalize_twilio_status(r) as status from unnest(${raw}::text[]) as r`;
		expect(Object.fromEntries(rows.map((r) => [r.raw, r.status]))).toEqual(
			Object.fromEntries(raw.map((r) => [r, normalizeTwilioStatus(r)]))
		);
	});

	it('give every status the same verdict, whether its time is ahead, passed or unset', async () => {
		const now = new Date('2026-06-01T12:00:00Z');
		const times = [null, new Date('2026-06-01T11:00:00Z'), new Date('2026-06-01T13:00:00Z')];
		const cases = MESSAGE_STATUSES.flatMap((status) => times.map((at) => ({ status, at })));
		const rows = await t.sql<{ verdict: string | null }[]>`
			select public.sms_verdict_kind(s, a, ${now}::timestamptz) as verdict
			from unnest(${cases.map((c) => c.status)}::text[], ${cases.map((c) => c.at?.toISOString() ?? null)}::timestamptz[])
			     with ordinality as x(s, a, ord)
			order by ord`;
		const sql = rows.map((r) => r.verdict);
		const ts = cases.map((c) => verdictFor({ status: c.status, scheduledFor: c.at }, now).kind);
		expect(sql).toEqual(ts);
		expect(new Set(sql)).toEqual(new Set(VERDICT_KINDS));
	});

	it('agree on finality: final in SQL exactly when the verdict is neither scheduled nor in progress', async () => {
		const all = await facts();
		for (const s of MESSAGE_STATUSES) {
			const kind = verdictFor({ status: s, scheduledFor: new Date(Date.now() + 3_600_000) }).kind;
			expect(all.get(s)?.final, s).toBe(kind !== 'scheduled' && kind !== 'in_progress');
			// Every final state shares the top rank.
			if (all.get(s)?.final) expect(all.get(s)?.rank, s).toBe(all.get('delivered')?.rank);
		}
	});
});

describe('the transition rule, over every pair of statuses', () => {
	it('moves only forward; from a final state only delivered replaces a failure', async () => {
		const all = await facts();
		const rule = await canAdvance();
		for (const [current, next] of pairs) {
			const c = all.get(current)!;
			const n = all.get(next)!;
			const expected =
				current === next ? false : c.final ? next === 'delivered' && c.phase === 'failed' : n.rank > c.rank;
			expect(rule.get(`${current}>${next}`), `${current} → ${next}`).toBe(expected);
		}
	});

	it.each<[MessageStatus, MessageStatus, boolean]>([
		['pending', 'dispatching', true],
		['queued', 'delivered', true],
		['sent', 'undelivered', true],
		['scheduled', 'canceled', true],
		['undelivered', 'delivered', true],
		['failed', 'delivered', true],
		['sent', 'queued', false],
		['pending', 'scheduled', false],
		['scheduled', 'pending', false],
		['delivered', 'delivered', false],
		['canceled', 'delivered', false],
		['suppressed', 'delivered', false],
		['received', 'delivered', false],
		['delivered', 'failed', false],
		['failed', 'undelivered', false]
	])('%s → %s: %s', async (current, next, expected) => {
		const rule = await canAdvance();
		expect(rule.get(`${current}>${next}`)).toBe(expected);
	});

	it('is what apply_sms_status does, for every status a report can carry onto every current status', async () => {
		const rule = await canAdvance();
		const reportable = [...new Set(TWILIO_STATUSES.map((s) => normalizeTwilioStatus(s)).filter((s) => s !== null))];
		const seen = new Set<string>();
		for (const current of MESSAGE_STATUSES.filter((s) => s !== 'received')) {
			for (const next of reportable) {
				const sid = nextSid();
				const id = await dispatchedMessage(t.sql, alice, sid);
				// Put the message in `current` directly: some states are not reachable by reports.
				await t.sql`update public.sms_messages set status = ${current} where id = ${id}`;
				const [row] = await t.sql<{ r: ApplyStatusResult }[]>`select public.apply_sms_status(${sid}, ${next}) as r`;
				const expected = rule.get(`${current}>${next}`) ? 'applied' : current === next ? 'duplicate' : 'stale';
				expect(row.r.outcome, `${current} → ${next}`).toBe(expected);
				expect(row.r.status).toBe(expected === 'applied' ? next : current);
				seen.add(row.r.outcome);
			}
		}
		const [unknown] = await t.sql<{ r: ApplyStatusResult }[]>`select public.apply_sms_status(${nextSid()}, 'sent') as r`;
		seen.add(unknown.r.outcome);
		const sid = nextSid();
		await dispatchedMessage(t.sql, alice, sid);
		const [odd] = await t.sql<{ r: ApplyStatusResult }[]>`select public.apply_sms_status(${sid}, 'receiving') as r`;
		seen.add(odd.r.outcome);
		// Every outcome the type names is one SQL produces, and no other.
		expect([...seen].sort()).toEqual([...APPLY_OUTCOMES].sort());
	});

	it('never moves an inbound text', async () => {
		const sid = nextSid();
		await t.sql`select public.record_inbound_sms(${sid}, ${sealedPhoneText('+14155550100')}::public.sealed_phone, 'hi')`;
		const [row] = await t.sql<{ r: ApplyStatusResult }[]>`select public.apply_sms_status(${sid}, 'delivered') as r`;
		expect(row.r).toMatchObject({ outcome: 'stale', status: 'received' });
	});
});
