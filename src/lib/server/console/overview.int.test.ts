/**
 * The overview against a real database, read as a member through RLS from the rollups: cards,
 * days in the viewer's zone, failure reasons, latency, rates by type and country, and nothing
 * of another workspace. The texts are inserted with known times, so every figure is known.
 */
import { createTestDatabase, createUser, phoneColumns, type TestDatabase } from '@sms/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOverview } from './overview.ts';
import { parseOverviewRange } from './overview-range.ts';

let t: TestDatabase;
let orgA: string;
let orgB: string;
let viewer: string;
let outsider: string;
const TZ = 'America/Los_Angeles';
const claims = (sub: string) => ({ sub, role: 'authenticated' as const });
/** A number's four sealed columns, as values for `(…, phone_enc, phone_hash, phone_last4, calling_code, …)`. */
const ph = (e164: string) => {
	const p = phoneColumns(e164);
	return t.sql`${p.phone_enc}, ${p.phone_hash}, ${p.phone_last4}, ${p.calling_code}`;
};

async function org(slug: string, owner: string): Promise<string> {
	const [o] = await t.sql<{ id: string }[]>`insert into public.organizations (slug, name) values (${slug}, ${slug}) returning id`;
	await t.sql`select public.add_organization_member(${o!.id}, ${owner}, 'owner')`;
	return o!.id;
}

interface Text {
	status: string;
	at: string;
	phone?: string;
	type?: string;
	error?: number;
	latencyMs?: number;
	price?: string;
}

const contacts = new Map<string, string>();

async function contact(o: string, phone: string): Promise<string> {
	const key = `${o}|${phone}`;
	if (!contacts.has(key)) {
		const [c] = await t.sql<{ id: string }[]>`insert into public.contacts (organization_id, name, phone_enc, phone_hash, phone_last4, calling_code) values (${o}, 'Overview', ${ph(phone)}) returning id`;
		contacts.set(key, c!.id);
	}
	return contacts.get(key)!;
}

async function text(o: string, x: Text): Promise<void> {
	const phone = x.phone ?? '+14155550123';
	const contactId = await contact(o, phone);
	const sent = x.latencyMs !== undefined ? new Date(Date.parse(x.at) + 1000) : null;
	const delivered = sent && x.latencyMs !== undefined ? new Date(sent.getTime() + x.latencyMs) : null;
	await t.sql`
		insert into public.sms_messages (organization_id, contact_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, status, error_code, notification_type,
			created_at, sent_at, delivered_at, price, price_unit)
		values (${o}, ${contactId}, ${ph(phone)}, 'hi', ${x.status}, ${x.error ?? null}, ${x.type ?? 'custom'},
			${x.at}::timestamptz, ${sent}, ${delivered}, ${x.price ?? null}::numeric, ${x.price ? 'USD' : null})`;
}

const overview = (who: string, o: string, params: Record<string, string>, now = new Date('2026-11-22T20:00:00Z')) =>
	t.db.asUser(claims(who), (tx) => loadOverview(tx, o, parseOverviewRange(new URLSearchParams(params), TZ, now)));

beforeAll(async () => {
	t = await createTestDatabase();
	viewer = await createUser(t.sql, { email: 'overview-viewer@example.com' });
	outsider = await createUser(t.sql, { email: 'overview-outsider@example.com' });
	orgA = await org('overview-a', viewer);
	orgB = await org('overview-b', outsider);
	await t.sql`insert into public.sms_notification_types (key, label) values ('reminder', 'Reminder')`;
	// 2026-11-21 in Los Angeles is 08:00Z on the 21st to 08:00Z on the 22nd.
	const day21 = '2026-11-21T12:00:00Z';
	const day22 = '2026-11-22T12:00:00Z';
	// 20 delivered on the 21st with latencies 100..2000 ms, priced at 0.0079 each.
	for (let i = 1; i <= 20; i++) await text(orgA, { status: 'delivered', at: day21, latencyMs: i * 100, price: '-0.00790' });
	await text(orgA, { status: 'undelivered', at: day21, error: 30003, phone: '+447700900123' });
	await text(orgA, { status: 'failed', at: day22, error: 30003, type: 'reminder' });
	await text(orgA, { status: 'failed', at: day22, error: 30005, type: 'reminder' });
	await text(orgA, { status: 'failed', at: day22, type: 'reminder' });
	await text(orgA, { status: 'sent', at: day22 });
	await text(orgA, { status: 'pending', at: day22 });
	await text(orgA, { status: 'canceled', at: day22 });
	// 07:30Z on the 21st is still the 20th in Los Angeles: outside a range starting on the 21st.
	await text(orgA, { status: 'delivered', at: '2026-11-21T07:30:00Z', latencyMs: 50 });
	await text(orgB, { status: 'failed', at: day22, error: 30007 });
});
afterAll(() => t?.close());

describe('loadOverview', () => {
	it('counts the range from the rollups: cards, per-day bars, reasons, latency, cost', async () => {
		const o = await overview(viewer, orgA, { range: 'custom', from: '2026-11-21', to: '2026-11-22' });
		expect(o.totals).toEqual({ delivered: 20, failed: 4, pending: 2, not_sent: 1, total: 27 });
		expect(o.daily).toEqual([
			{ day: '2026-11-21', counts: { delivered: 20, failed: 1, pending: 0, not_sent: 0, total: 21 } },
			{ day: '2026-11-22', counts: { delivered: 0, failed: 3, pending: 2, not_sent: 1, total: 6 } }
		]);
		expect(o.failures).toEqual([
			{ code: 30003, count: 2, share: 0.5 },
			{ code: null, count: 1, share: 0.25 },
			{ code: 30005, count: 1, share: 0.25 }
		]);
		expect(o.latency.count).toBe(20);
		expect(o.latency.averageMs).toBe(1050);
		// The true p95 of 100..2000 step 100 is 1900-2000; the histogram is within its ±4.5 %.
		expect(o.latency.p95Ms).toBeGreaterThan(1900 * 0.95);
		expect(o.latency.p95Ms).toBeLessThan(2000 * 1.05);
		expect(o.cost.priced).toBe(20);
		expect(o.cost.amount).toBeCloseTo(0.158, 6);
	});

	it('gives the delivery rate by notification type and by calling code', async () => {
		const o = await overview(viewer, orgA, { range: 'custom', from: '2026-11-21', to: '2026-11-22' });
		expect(o.byType.map((r) => [r.key, r.counts.total, r.deliveryRate])).toEqual([
			['custom', 24, 20 / 21],
			['reminder', 3, 0]
		]);
		expect(o.byCountry.map((r) => [r.key, r.counts.total, r.deliveryRate])).toEqual([
			['1', 26, 20 / 23],
			['44', 1, 0]
		]);
	});

	it('takes whole days in the viewer\'s zone: "today" is the 22nd in Los Angeles', async () => {
		const o = await overview(viewer, orgA, { range: 'today' });
		expect(o.daily.map((d) => d.day)).toEqual(['2026-11-22']);
		expect(o.totals.total).toBe(6);
		const week = await overview(viewer, orgA, { range: '7d' });
		expect(week.daily).toHaveLength(7);
		expect(week.totals.total).toBe(28);
	});

	it("shows a member their own workspace and refuses a non-member", async () => {
		const mine = await overview(outsider, orgB, { range: '7d' });
		expect(mine.failures).toEqual([{ code: 30007, count: 1, share: 1 }]);
		// The role is checked once, in workspace_overview(): a non-member is refused, not shown zeros.
		const theirs = await overview(outsider, orgA, { range: '7d' }).catch((e: { code?: string }) => e.code);
		expect(theirs).toBe('WS001');
	});
});
