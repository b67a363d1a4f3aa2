/**
 * The campaign list's monthly statistics (seed 004's /sms/stats) and the costs page (seed 002's
 * delivery report and usage) against a real database, read as members through RLS: counts by
 * status from the rollups, cost from Twilio's prices, errors, the campaign's queue-time estimate
 * beside its actual price — and nothing of another workspace.
 */
import { createTestDatabase, createUser, sealedPhone, type TestDatabase } from '@sms/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { costRange, costReport } from './costs.ts';
import { costReportCsv } from './costs-csv.ts';
import { recentCampaignMessages } from './campaign-detail.ts';
import { campaignFilter, listCampaigns } from './list.ts';
import { smsStats } from './stats.ts';

let t: TestDatabase;
let orgA: string;
let orgB: string;
let viewer: string;
let outsider: string;
let person: string;
let campaign: string;
const claims = (sub: string) => ({ sub, role: 'authenticated' as const });
const TZ = 'America/Los_Angeles';

async function org(slug: string, owner: string): Promise<string> {
	const [o] = await t.sql<{ id: string }[]>`insert into public.organizations (slug, name, default_time_zone) values (${slug}, ${slug}, ${TZ}) returning id`;
	await t.sql`select public.add_organization_member(${o!.id}, ${owner}, 'owner')`;
	return o!.id;
}

async function text(o: string, phone: string, status: string, at: string, extra: { price?: number; error?: number; campaign?: string; estimate?: number } = {}) {
	const sealed = sealedPhone(phone);
	await t.sql`
		insert into public.sms_messages (organization_id, user_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, status, error_code, price, price_unit, created_at, campaign_id, estimated_cost)
		values (${o}, ${person}, ${sealed.enc}, ${sealed.hash}, ${sealed.last4}, ${sealed.calling_code}, 'hi', ${status}, ${extra.error ?? null}, ${extra.price ?? null}, ${extra.price === undefined ? null : 'USD'},
			${at}::timestamptz, ${extra.campaign ?? null}, ${extra.estimate ?? null})`;
}

beforeAll(async () => {
	t = await createTestDatabase();
	viewer = await createUser(t.sql, { email: 'viewer@example.com' });
	outsider = await createUser(t.sql, { email: 'outsider@example.com' });
	person = await createUser(t.sql, { email: 'person@example.com' });
	orgA = await org('reports-a', viewer);
	orgB = await org('reports-b', outsider);
	const [c] = await t.sql<{ id: string }[]>`
		insert into public.sms_campaigns (organization_id, name, status, throttle_per_second, created_by, total_count, estimated_cost, currency)
		values (${orgA}, 'November reminders', 'completed', 1, ${viewer}, 2, 0.0158, 'USD') returning id`;
	campaign = c!.id;
	// Times are mid-day Pacific, so the month is the same in UTC and the workspace's zone.
	await text(orgA, '+14155550123', 'delivered', '2026-11-10T20:00:00Z', { price: -0.0079, campaign, estimate: 0.0079 });
	await text(orgA, '+14155550124', 'delivered', '2026-11-10T20:00:00Z', { campaign, estimate: 0.0079 });
	await text(orgA, '+447700900123', 'failed', '2026-11-11T20:00:00Z', { price: -0.0524, error: 30005 });
	await text(orgA, '+14155550125', 'sent', '2026-11-12T20:00:00Z');
	await text(orgA, '+14155550126', 'suppressed', '2026-11-12T20:00:00Z');
	await text(orgA, '+14155550127', 'undelivered', '2026-10-05T20:00:00Z', { error: 30003 });
	await text(orgB, '+14155550123', 'delivered', '2026-11-10T20:00:00Z', { price: -1 });
});

afterAll(async () => {
	await t?.close();
});

describe('monthly statistics (seed 004)', () => {
	it('counts texts handed to the provider, delivered and failed, per month, with their cost', async () => {
		const stats = await t.db.asUser(claims(viewer), (tx) => smsStats(tx, { organizationId: orgA, timeZone: TZ, months: 36 }));
		expect(stats.totalSent).toBe(5);
		expect(stats.totalDelivered).toBe(2);
		expect(stats.totalFailed).toBe(2);
		expect(stats.monthlyStats).toEqual([
			{ month: '2026-11', sent: 4, delivered: 2, failed: 1, cost: 0.0603 },
			{ month: '2026-10', sent: 1, delivered: 0, failed: 1, cost: 0 }
		]);
	});

	it('shows another workspace nothing', async () => {
		const stats = await t.db.asUser(claims(outsider), (tx) => smsStats(tx, { organizationId: orgA, timeZone: TZ, months: 36 }));
		expect(stats).toEqual({ totalSent: 0, totalDelivered: 0, totalFailed: 0, monthlyStats: [] });
	});
});

describe('campaign list', () => {
	it('lists the campaign with its counters and who created it', async () => {
		const filter = campaignFilter(new URL('http://x/?status=completed'));
		const list = await t.db.asUser(claims(viewer), (tx) => listCampaigns(tx, { organizationId: orgA, filter, emails: new Map([[viewer, 'viewer@example.com']]) }));
		expect(list.total).toBe(1);
		expect(list.rows[0]).toMatchObject({ name: 'November reminders', status: 'completed', total: 2, sent: 2, delivered: 2, failed: 0, createdBy: 'viewer@example.com', estimatedCost: 0.0158 });
		const none = await t.db.asUser(claims(viewer), (tx) => listCampaigns(tx, { organizationId: orgA, filter: campaignFilter(new URL('http://x/?status=paused')), emails: new Map() }));
		expect(none.total).toBe(0);
	});
});

describe('cost report (seed 002)', () => {
	const november = { from: '2026-11-01', to: '2026-11-30' };

	it('counts by status, destination, month and campaign, with the errors, for a date range', async () => {
		const report = await t.db.asUser(claims(viewer), (tx) => costReport(tx, { organizationId: orgA, timeZone: TZ, range: november }));
		expect(report.totals).toMatchObject({ texts: 5, delivered: 2, failed: 1, priced: 2 });
		expect(report.totals.cost).toBeCloseTo(0.0603, 6);
		expect(report.byStatus).toEqual(
			expect.arrayContaining([{ status: 'delivered', texts: 2 }, { status: 'failed', texts: 1 }, { status: 'sent', texts: 1 }, { status: 'suppressed', texts: 1 }])
		);
		expect(report.byCountry.map((c) => [c.callingCode, c.texts, c.cost])).toEqual([
			['1', 4, 0.0079],
			['44', 1, 0.0524]
		]);
		expect(report.byMonth.map((m) => m.month)).toEqual(['2026-11']);
		expect(report.byCampaign).toEqual([{ id: campaign, name: 'November reminders', texts: 2, estimated: 0.0158, actual: 0.0079, priced: 1 }]);
		expect(report.errors).toEqual([{ code: 30005, texts: 1 }]);
		const csv = costReportCsv(report);
		expect(csv).toContain('campaign,November reminders,2,,,0.0079,0.0158,1');
		expect(csv).toContain('error,30005,1');
	});

	it('a range takes in only its days, in the workspace time zone', async () => {
		const october = await t.db.asUser(claims(viewer), (tx) => costReport(tx, { organizationId: orgA, timeZone: TZ, range: { from: '2026-10-01', to: '2026-10-31' } }));
		expect(october.totals.texts).toBe(1);
		expect(october.errors).toEqual([{ code: 30003, texts: 1 }]);
	});

	it('shows another workspace nothing', async () => {
		const report = await t.db.asUser(claims(outsider), (tx) => costReport(tx, { organizationId: orgA, timeZone: TZ, range: november }));
		expect(report.totals.texts).toBe(0);
		expect(report.byCampaign).toEqual([]);
		expect(report.errors).toEqual([]);
	});

	it('reads ?from=&to=, falling back to this month for a malformed or reversed range', () => {
		expect(costRange(new URL('http://x/?from=2026-11-01&to=2026-11-30'), '2026-12-02')).toEqual(november);
		expect(costRange(new URL('http://x/?from=2026-11-30&to=2026-11-01'), '2026-12-02')).toEqual({ from: '2026-12-01', to: '2026-12-02' });
		expect(costRange(new URL('http://x/?from=yesterday'), '2026-12-02')).toEqual({ from: '2026-12-01', to: '2026-12-02' });
	});
});

describe("campaign page's recent texts", () => {
	it('show numbers in full only to members allowed to see them, else the last four digits', async () => {
		const recent = (showNumbers: boolean) => t.db.asUser(claims(viewer), (tx) => recentCampaignMessages(tx, campaign, null, { showNumbers }));
		expect((await recent(true)).map((m) => m.to).sort()).toEqual(['+14155550123', '+14155550124']);
		expect((await recent(false)).map((m) => m.to).sort()).toEqual(['•••• 0123', '•••• 0124']);
	});
});
