/**
 * SmsPricing against the real twilio SDK and the sandbox's Pricing v1 endpoint, caching in a
 * real sms_pricing table. The clock is injected so expiry is tested without waiting a day.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@sms/db/testing';
import { startSandbox, type Sandbox } from '@sms/twilio-sandbox';
import { TwilioClient, type MessagingPrice } from '@sms/twilio-service';
import { SmsPricing, type SmsPricingOptions } from './index.ts';

const ACCOUNT_SID = `AC${'7a'.repeat(16)}`;
const AUTH_TOKEN = 'pricing-test-token';
const DAY = 24 * 60 * 60 * 1000;

let t: TestDatabase;
let sandbox: Sandbox;
let client: TwilioClient;
let now: Date;
let calls: string[];

/** The real client, counting the requests that reach Twilio (the sandbox). */
const twilio = {
	messagingPrice(iso: string): Promise<MessagingPrice> {
		calls.push(iso);
		return client.messagingPrice(iso);
	}
};

function pricing(options: Partial<SmsPricingOptions> = {}): SmsPricing {
	return new SmsPricing({ db: t.db, twilio, now: () => now, ...options });
}

function apiDown(down: boolean): void {
	sandbox.state.faults = { ...sandbox.state.faults, rate503: down ? 1 : 0 };
}

beforeAll(async () => {
	t = await createTestDatabase();
	sandbox = await startSandbox({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, verifyServiceSid: `VA${'7b'.repeat(16)}` });
	client = new TwilioClient({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, baseUrl: sandbox.url, timeoutMs: 5_000 });
});

afterAll(async () => {
	await sandbox?.close();
	await t?.close();
});

beforeEach(async () => {
	await t.sql`delete from public.sms_pricing`;
	apiDown(false);
	now = new Date('2026-12-01T12:00:00Z');
	calls = [];
});

describe('SmsPricing', () => {
	it('fetches from Twilio once, then answers from the cache for 24 hours', async () => {
		const first = await pricing({ numberType: 'local' }).priceFor('US');
		expect(first).toMatchObject({ country: 'US', unitPrice: 0.0079, currency: 'USD', source: 'live', note: null });
		const [row] = await t.sql<{ known: boolean; outbound_price: string; expires_at: Date }[]>`
			select known, outbound_price, expires_at from public.sms_pricing where iso_country = 'US'`;
		expect(row).toMatchObject({ known: true, outbound_price: '0.008300' });
		expect(row?.expires_at.toISOString()).toBe('2026-12-02T12:00:00.000Z');

		now = new Date(now.getTime() + DAY - 1000);
		const cached = await pricing({ numberType: 'local' }).priceFor('us');
		expect(cached).toMatchObject({ unitPrice: 0.0079, source: 'cache' });
		expect(calls).toEqual(['US']);
	});

	it('prices the sender number type, else the highest price of any', async () => {
		expect((await pricing({ numberType: 'shortcode' }).priceFor('US')).unitPrice).toBe(0.0083);
		expect((await pricing().priceFor('US')).unitPrice).toBe(0.0083);
		// GB lists only mobile prices: a long-code sender is priced at those.
		expect((await pricing({ numberType: 'local' }).priceFor('GB')).unitPrice).toBe(0.0524);
	});

	it('fetches again once the cached price has expired', async () => {
		await pricing().priceFor('GB');
		await t.sql`update public.sms_pricing set outbound_price = 1, carriers = '[]' where iso_country = 'GB'`;
		now = new Date(now.getTime() + DAY + 1000);
		const quote = await pricing().priceFor('GB');
		expect(quote).toMatchObject({ unitPrice: 0.0524, source: 'live' });
		expect(calls).toEqual(['GB', 'GB']);
		const [row] = await t.sql<{ fetched_at: Date }[]>`select fetched_at from public.sms_pricing where iso_country = 'GB'`;
		expect(row?.fetched_at.toISOString()).toBe(now.toISOString());
	});

	it('falls back to the last known price when Twilio fails, and says how old it is', async () => {
		await pricing().priceFor('DE');
		now = new Date(now.getTime() + 3 * DAY);
		apiDown(true);
		const quote = await pricing().priceFor('DE');
		expect(quote).toMatchObject({
			unitPrice: 0.0887,
			source: 'stale',
			note: 'estimate from prices fetched 3 days ago',
			fetchedAt: new Date('2026-12-01T12:00:00Z')
		});
		expect(calls).toEqual(['DE', 'DE']);
	});

	it('falls back to the configured default when Twilio fails and nothing is known', async () => {
		apiDown(true);
		const withDefault = await pricing({ defaultPrice: { unitPrice: 0.05, currency: 'USD' } }).priceFor('FR');
		expect(withDefault).toEqual({
			country: 'FR',
			unitPrice: 0.05,
			currency: 'USD',
			source: 'default',
			fetchedAt: null,
			note: "Twilio's prices could not be fetched: estimated at the default price of 0.05 USD a segment"
		});
		const without = await pricing().priceFor('FR');
		expect(without).toMatchObject({ unitPrice: null, source: 'default', note: "Twilio's prices could not be fetched; no default price is configured" });
		expect(await t.sql`select 1 from public.sms_pricing`).toHaveLength(0);
	});

	it('remembers a country Twilio lists no price for, and does not ask again within the day', async () => {
		const quote = await pricing({ defaultPrice: { unitPrice: 0.05, currency: 'USD' } }).priceFor('ZW');
		expect(quote).toMatchObject({ country: 'ZW', unitPrice: 0.05, source: 'unknown', note: 'Twilio lists no SMS price for ZW: estimated at the default price of 0.05 USD a segment' });
		const again = await pricing().priceFor('ZW');
		expect(again).toMatchObject({ unitPrice: null, source: 'unknown' });
		expect(calls).toEqual(['ZW']);
		const [row] = await t.sql<{ known: boolean }[]>`select known from public.sms_pricing where iso_country = 'ZW'`;
		expect(row?.known).toBe(false);
	});

	it('does not ask Twilio about what is not a country code', async () => {
		const quotes = await pricing().pricesFor(['ZZZ', 'us', '']);
		expect(quotes.get('ZZZ')).toMatchObject({ unitPrice: null, source: 'unknown' });
		expect(quotes.get('US')).toMatchObject({ source: 'live' });
		expect(calls).toEqual(['US']);
	});
});

describe('sms_pricing privileges', () => {
	it('a signed-in user reads prices but cannot write them; anon cannot read', async () => {
		await pricing().priceFor('US');
		const claims = { sub: '00000000-0000-4000-8000-000000000001', role: 'authenticated' as const };
		const rows = await t.db.asUser(claims, (tx) => tx`select iso_country from public.sms_pricing`);
		expect(rows.map((r) => r.iso_country)).toEqual(['US']);
		for (const write of [
			(tx: Parameters<Parameters<typeof t.db.asUser>[1]>[0]) => tx`update public.sms_pricing set outbound_price = 0`,
			(tx: Parameters<Parameters<typeof t.db.asUser>[1]>[0]) =>
				tx`insert into public.sms_pricing (iso_country, price_unit, expires_at) values ('FR', 'USD', now())`,
			(tx: Parameters<Parameters<typeof t.db.asUser>[1]>[0]) => tx`delete from public.sms_pricing`
		]) {
			await expect(t.db.asUser(claims, write)).rejects.toMatchObject({ code: '42501' });
		}
		await expect(t.db.asAnon((tx) => tx`select 1 from public.sms_pricing`)).rejects.toMatchObject({ code: '42501' });
		const [row] = await t.sql<{ outbound_price: string }[]>`select outbound_price from public.sms_pricing`;
		expect(row?.outbound_price).toBe('0.008300');
	});
});
