import { createTestDatabase, createUser, type TestDatabase } from '@sms/db/testing';
import type { DeliveryReport } from '@sms/providers/webhook';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderCallbackWriter } from './provider-writer.ts';
import { sealedPhone } from '@sms/db/testing';

/** A number's four sealed columns (enc, hash, last4, calling_code), as SQL parameters. */
const sealedValues = (e164: string) => {
	const p = sealedPhone(e164);
	return t.sql`${p.enc}::text, ${p.hash}::text, ${p.last4}::text, ${p.calling_code}::text`;
};

let t: TestDatabase;
let userId: string;

function report(reference: string, status: DeliveryReport['status'], extra: Partial<DeliveryReport> = {}): DeliveryReport {
	return {
		provider: 'sms-retail',
		reference,
		rawStatus: status,
		status,
		errorCode: null,
		price: null,
		priceUnit: null,
		segments: null,
		raw: { id: Number(reference), status },
		...extra
	};
}

async function message(reference: string): Promise<string> {
	const [row] = await t.sql<{ id: string }[]>`
		insert into public.sms_messages (user_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, status, provider, provider_reference)
		values (${userId}, ${sealedValues('+15551230001')}, 'Hello', 'queued', 'sms-retail', ${reference}) returning id`;
	return row.id;
}

beforeAll(async () => {
	t = await createTestDatabase();
	userId = await createUser(t.sql);
});
afterAll(async () => {
	await t?.close();
});

describe('ProviderCallbackWriter', () => {
	it('stores reports that arrive together in fewer commits, each applied in arrival order per reference', async () => {
		const writer = new ProviderCallbackWriter(t.sql);
		const refs = ['2001', '2002', '2003', '2004', '2005'];
		const ids = await Promise.all(refs.map(message));
		const results = await Promise.all(refs.flatMap((r) => [writer.apply(report(r, 'sent'), '203.0.113.7'), writer.apply(report(r, 'delivered'), null)]));
		expect(results.map((r) => r.outcome)).toEqual(Array(10).fill('applied'));
		const rows = await t.sql<{ status: string }[]>`select status from public.sms_messages where id in ${t.sql(ids)}`;
		expect(rows.map((r) => r.status)).toEqual(Array(5).fill('delivered'));
		const [{ transactions, events }] = await t.sql<{ transactions: number; events: number }[]>`
			select count(distinct xmin::text)::int as transactions, count(*)::int as events
			from public.sms_delivery_events where message_id in ${t.sql(ids)}`;
		expect(events).toBe(10);
		// The first is written alone (nothing was in flight); the other nine share one transaction.
		expect(transactions).toBeLessThanOrEqual(2);
	});

	it('fails only the report at fault; an early report is kept for its text', async () => {
		const writer = new ProviderCallbackWriter(t.sql);
		const good = await message('2010');
		const results = await Promise.allSettled([
			writer.apply(report('2010', 'sent'), null),
			writer.apply(report('2011', 'sent', { price: 99999999999.5 }), null), // overflows the price column
			writer.apply(report('2099', 'delivered'), null), // not stored yet: kept, unmatched
			writer.apply(report('2010', 'delivered'), null)
		]);
		expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
		expect((results[2] as PromiseFulfilledResult<Record<string, unknown>>).value.outcome).toBe('orphaned');
		const [row] = await t.sql<{ status: string }[]>`select status from public.sms_messages where id = ${good}`;
		expect(row.status).toBe('delivered');
		const [{ kept }] = await t.sql<{ kept: number }[]>`
			select count(*)::int as kept from public.sms_delivery_events where provider = 'sms-retail' and provider_reference = '2099' and message_id is null`;
		expect(kept).toBe(1);
	});

	it('looks secrets up in batches: the owner workspace’s secret once the reference is stored', async () => {
		const [org] = await t.sql<{ id: string }[]>`insert into public.organizations (slug, name) values ('pw-a', 'A') returning id`;
		const [other] = await t.sql<{ id: string }[]>`insert into public.organizations (slug, name) values ('pw-b', 'B') returning id`;
		for (const [o, secret] of [[org!.id, 'secret-a'], [other!.id, 'secret-b']] as const) {
			const [p] = await t.sql<{ id: string }[]>`
				insert into public.workspace_providers (organization_id, provider, position, base_url) values (${o}, 'sms-retail', 1, 'https://r.example') returning id`;
			await t.sql`insert into public.workspace_provider_secrets (provider_id, webhook_secret) values (${p!.id}, ${secret})`;
		}
		await t.sql`insert into public.sms_messages (organization_id, user_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, status, provider, provider_reference)
			values (${org!.id}, ${userId}, ${sealedValues('+15551230001')}, 'Hi', 'queued', 'sms-retail', '3001')`;
		const writer = new ProviderCallbackWriter(t.sql);
		const [owned, early] = await Promise.all([writer.secretsFor('sms-retail', '3001'), writer.secretsFor('sms-retail', '3999')]);
		expect(owned).toEqual(['secret-a']);
		expect(early.sort()).toEqual(['secret-a', 'secret-b']);
	});
});
