/**
 * The monthly spend cap at start counts what is already committed: the texts other sending or
 * scheduled campaigns are still to send, texts to countries without a known price (at the
 * configured default price), and a start running at the same moment (starts of a workspace take
 * turns). An owner can still confirm a start over the cap.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@sms/db/testing';
import { asPerson, sqlError } from './fixtures.ts';
import { createOrganization, createWorkspaces, type Workspaces } from './workspace-fixtures.ts';
import { createCampaign, createImport, startCampaign, type RecipientInput } from './campaign-fixtures.ts';

let t: TestDatabase;
let w: Workspaces;
let counter = 0;
let slug = 0;
function recipients(n: number, country = 'US'): RecipientInput[] {
	return Array.from({ length: n }, () => ({ phone: `+1415777${String(++counter).padStart(4, '0')}`, variables: { first_name: 'Ada' }, country }));
}
/** A fresh workspace of the same owner, with the operator as a member and the given cap. */
async function workspace(cap: number): Promise<string> {
	const id = await createOrganization(t.sql, w.people.owner, `cap-${++slug}`);
	await t.sql`select public.add_organization_member(${id}, ${w.people.operator.id}, 'operator')`;
	await t.sql`update public.organizations set monthly_spend_cap = ${cap} where id = ${id}`;
	return id;
}
async function draft(org: string, n: number, country = 'US'): Promise<string> {
	return createCampaign(t, w.people.operator, org, { importId: await createImport(t.sql, org, recipients(n, country)), body: 'Hi {{first_name}}' });
}

beforeAll(async () => {
	t = await createTestDatabase();
	w = await createWorkspaces(t.sql, 'capx');
	await t.sql`insert into public.sms_pricing (iso_country, country_name, price_unit, outbound_price, expires_at)
		values ('US', 'United States', 'USD', 0.01, now() + interval '1 day')
		on conflict (iso_country) do update set outbound_price = excluded.outbound_price, known = true`;
	// Twilio lists no price for ZW: known = false.
	await t.sql`insert into public.sms_pricing (iso_country, known, expires_at) values ('ZW', false, now() + interval '1 day')
		on conflict (iso_country) do update set known = false, outbound_price = null`;
});
afterAll(async () => {
	await t?.close();
});

describe('the spend cap at start', () => {
	it('counts what a campaign still sending is yet to send', async () => {
		const org = await workspace(0.25);
		await startCampaign(t, w.people.operator, await draft(org, 15)); // 0.15 committed, nothing sent yet
		const second = await draft(org, 15); // 0.15 more: 0.30 > 0.25
		const refused = await sqlError(() => startCampaign(t, w.people.operator, second));
		expect(refused.code).toBe('CM010');
		expect(refused.message).toMatch(/more than what is left of this month's spend cap \(0\.10 of 0\.25/);
		// The owner's confirmation flow is as it was.
		expect((await startCampaign(t, w.people.owner, second, true)).over_cap_confirmed).toBe(true);
	});

	it('prices texts to a country with no known price at the configured default', async () => {
		const org = await workspace(0.25);
		await t.sql`select public.set_sms_default_price(null)`;
		const unpriced = await draft(org, 30, 'ZW');
		const [{ cost }] = await t.sql<{ cost: string }[]>`select estimated_cost::text as cost from public.sms_campaigns where id = ${unpriced}`;
		expect(Number(cost)).toBe(0);

		await t.sql`select public.set_sms_default_price(0.05, 'USD')`;
		try {
			const priced = await draft(org, 30, 'ZW');
			const [row] = await t.sql<{ cost: string; estimate: { unpriced: number; byCountry: { unitPrice: number; cost: number }[] } }[]>`
				select estimated_cost::text as cost, estimate from public.sms_campaigns where id = ${priced}`;
			expect(Number(row!.cost)).toBe(1.5);
			expect(row!.estimate).toMatchObject({ unpriced: 30, byCountry: [{ unitPrice: 0.05, cost: 1.5 }] });
			expect((await sqlError(() => startCampaign(t, w.people.operator, priced))).code).toBe('CM010');
		} finally {
			await t.sql`select public.set_sms_default_price(null)`;
		}
	});

	it('lets only one of two campaigns started at the same moment pass a cap only one fits', async () => {
		const org = await workspace(0.25);
		const a = await draft(org, 15);
		const b = await draft(org, 15);
		// A's start is made and not yet committed when B's start runs.
		let releaseA!: () => void;
		const aHeld = new Promise<void>((resolve) => (releaseA = resolve));
		let aStarted!: () => void;
		const aReady = new Promise<void>((resolve) => (aStarted = resolve));
		const startA = asPerson(t, w.people.operator, async (tx) => {
			await tx`select public.start_campaign(${a}, false)`;
			aStarted();
			await aHeld;
		});
		await aReady;
		const startB = startCampaign(t, w.people.operator, b).then(
			() => 'started' as const,
			(error: { code?: string }) => error.code ?? 'error'
		);
		// B either waits for A (the fix) or finishes without seeing it (the bug): whichever comes first.
		const waiting = (async () => {
			for (;;) {
				const [{ n }] = await t.sql<{ n: number }[]>`
					select count(*)::int as n from pg_stat_activity
					where datname = current_database() and wait_event_type = 'Lock' and query like '%start_campaign%'`;
				if (n > 0) return 'waiting' as const;
				await new Promise((r) => setTimeout(r, 20));
			}
		})();
		const first = await Promise.race([startB, waiting]);
		releaseA();
		await startA;
		expect(first).toBe('waiting');
		expect(await startB).toBe('CM010');
		const rows = await t.sql<{ id: string; status: string }[]>`select id, status from public.sms_campaigns where id in (${a}, ${b})`;
		expect(Object.fromEntries(rows.map((r) => [r.id, r.status]))).toEqual({ [a]: 'sending', [b]: 'draft' });
	});
});
