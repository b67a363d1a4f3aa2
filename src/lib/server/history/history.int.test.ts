import { createTestDatabase, createUser, type TestDatabase } from '@sms/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeHistoryCursor, encodeHistoryCursor, queryHistory } from '$lib/server/sms/history-query';
import { parseHistoryParams } from './params.ts';
import { historyItem, historyPage, historyView } from './service.ts';
import { sealedPhone } from '@sms/db/testing';

/** A number's four sealed columns (enc, hash, last4, calling_code), as SQL parameters. */
const sealedValues = (e164: string) => {
	const p = sealedPhone(e164);
	return t.sql`${p.enc}::text, ${p.hash}::text, ${p.last4}::text, ${p.calling_code}::text`;
};

let t: TestDatabase;
let alice: string;
let bob: string;
const claims = (sub: string) => ({ sub, role: 'authenticated' as const });

async function text(userId: string, body: string, status: string, extra: { error_code?: number; status_reason?: string; scheduled_for?: Date } = {}) {
	const [row] = await t.sql<{ id: string }[]>`
		insert into public.sms_messages (user_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, status, error_code, status_reason, scheduled_for, notification_type, created_at)
		values (${userId}, ${sealedValues('+14155550100')}, ${body}, ${status}, ${extra.error_code ?? null}, ${extra.status_reason ?? null},
			${extra.scheduled_for ?? null}, ${body.startsWith('urgent') ? 'urgent_alert' : 'custom'},
			-- same created_at for several rows: the id breaks the tie, and the cursor must too
			'2026-01-02T10:00:00.123456Z'::timestamptz + make_interval(secs => ${body.length}))
		returning id`;
	return row.id;
}

beforeAll(async () => {
	t = await createTestDatabase();
	alice = await createUser(t.sql);
	bob = await createUser(t.sql);
	await t.sql`insert into public.user_sms_preferences (user_id, time_zone) values (${alice}, 'America/New_York')`;
	await text(alice, 'aaaa', 'delivered');
	await text(alice, 'bbbb', 'undelivered', { error_code: 30003 });
	await text(alice, 'cccc', 'suppressed', { status_reason: 'opted_out' });
	await text(alice, 'dddd', 'scheduled', { scheduled_for: new Date(Date.now() + 3_600_000), status_reason: 'quiet_hours' });
	await text(alice, 'urgent e', 'sent');
	await text(alice, 'urgent f', 'queued');
	await text(bob, 'bob', 'delivered');
});
afterAll(async () => t.close());

describe('history', () => {
	it('walks every page by keyset, newest first, with no duplicates or gaps even on equal timestamps', async () => {
		const seen: string[] = [];
		let cursor: string | null = null;
		do {
			const page = await historyPage({ db: t.db, claims: claims(alice) }, parseHistoryParams(new URLSearchParams(cursor ? { limit: '2', cursor } : { limit: '2' })));
			seen.push(...page.messages.map((m) => m.body));
			cursor = page.nextCursor;
		} while (cursor);
		expect(seen).toHaveLength(6);
		expect(new Set(seen).size).toBe(6);
		expect(seen.slice(0, 2).sort()).toEqual(['urgent e', 'urgent f']);
	});

	it('filters by verdict and by type', async () => {
		const bodies = async (query: Record<string, string>) =>
			(await historyPage({ db: t.db, claims: claims(alice) }, parseHistoryParams(new URLSearchParams(query)))).messages.map((m) => m.body).sort();
		expect(await bodies({ verdict: 'delivered' })).toEqual(['aaaa']);
		expect(await bodies({ verdict: 'failed' })).toEqual(['bbbb']);
		expect(await bodies({ verdict: 'not_sent' })).toEqual(['cccc']);
		expect(await bodies({ verdict: 'scheduled' })).toEqual(['dddd']);
		expect(await bodies({ verdict: 'in_progress' })).toEqual(['urgent e', 'urgent f']);
		expect(await bodies({ type: 'urgent_alert', verdict: 'in_progress' })).toEqual(['urgent e', 'urgent f']);
	});

	it('builds the view: verdict labels, failure help, summary, times in my zone', async () => {
		const view = await historyView({ db: t.db, claims: claims(alice) }, parseHistoryParams(new URLSearchParams()));
		const by = Object.fromEntries(view.messages.map((m) => [m.body, m]));
		expect(by.aaaa.verdict).toMatchObject({ kind: 'delivered', label: 'Delivered' });
		expect(by.bbbb.failure).toMatchObject({ code: 30003 });
		expect(by.bbbb.failure?.explanation).not.toBe('');
		expect(by.cccc.verdict.label).toBe('Not sent (opted out)');
		expect(by.dddd.verdict.label).toMatch(/^Scheduled until /);
		expect(by['urgent e'].type.label).toBe('Urgent alerts');
		expect(by.aaaa.time).toMatch(/EST|GMT-5/);
		expect(by.aaaa.timeline?.[0].label).toBe('Created');
		expect(view.summary).toEqual({ total: 6, sent: 4, delivered: 1, failed: 1 });
		expect(view.settings.timeZone).toBe('America/New_York');
	});

	it("never shows another user's texts, even by id", async () => {
		const [{ id }] = await t.sql<{ id: string }[]>`select id from public.sms_messages where message_content = 'bob'`;
		expect(await historyItem({ db: t.db, claims: claims(alice) }, id)).toBeNull();
		expect((await historyItem({ db: t.db, claims: claims(bob) }, id))?.message.body).toBe('bob');
		// Without a userId the query relies on RLS alone.
		const rows = await t.db.asUser(claims(bob), (tx) => queryHistory(tx, { limit: 50 }));
		expect(rows.rows.map((r) => r.message_content)).toEqual(['bob']);
	});

	it('round-trips cursors and refuses forged ones', () => {
		const cursor = { createdAt: '2026-01-02T10:00:00.123456Z', id: '00000000-0000-4000-8000-000000000001' };
		expect(decodeHistoryCursor(encodeHistoryCursor(cursor))).toEqual(cursor);
		expect(decodeHistoryCursor('bm9wZQ')).toBeNull();
		expect(() => parseHistoryParams(new URLSearchParams({ cursor: 'x' }))).toThrow('Invalid cursor.');
		expect(() => parseHistoryParams(new URLSearchParams({ verdict: 'lost' }))).toThrow(/verdict/);
	});
});
