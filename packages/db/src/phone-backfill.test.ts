/**
 * The Node step that seals numbers written in clear, on a table laid out the way the send-path
 * tables will be (docs/phone-encryption-send-path.md): clear column emptied, every number opens
 * to what it was, blind index and last four as the cipher computes them, and the calling code
 * taken from the clear value by SQL's own e164_calling_code in the same update.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './testing/index.ts';
import { countClearPhones, sealStoredPhones } from './phone-backfill.ts';
import { PhoneCipher, newPhoneKey } from './phone-crypto.ts';
import type { SealedColumn } from './phone-columns.ts';

const cipher = new PhoneCipher({ keys: { b1: newPhoneKey() }, currentKeyId: 'b1', indexKey: newPhoneKey() });
const probe: SealedColumn = {
	table: 'public.backfill_probe', id: 'id', idType: 'bigint',
	plain: 'phone_number', enc: 'phone_enc', hash: 'phone_hash', last4: 'phone_last4', callingCode: 'phone_calling_code'
};
const numbers = ['+14155550100', '+447911123456', '+33612345678', '+8613800138000', '+15005550006'];

let t: TestDatabase;
beforeAll(async () => {
	t = await createTestDatabase();
	await t.sql`create table public.backfill_probe (
		id bigint generated always as identity primary key, phone_number text,
		phone_enc text, phone_hash text, phone_last4 text, phone_calling_code text)`;
	await t.sql`insert into public.backfill_probe (phone_number) select unnest(${numbers}::text[])`;
	await t.sql`insert into public.backfill_probe (phone_number) values (null)`;
});
afterAll(async () => {
	await t?.close();
});

describe('sealing a table of numbers in clear', () => {
	it('counts what is left, seals it in small batches, and a second run finds nothing', async () => {
		expect(await countClearPhones(t.sql, [probe])).toEqual([{ table: probe.table, rows: numbers.length }]);
		const report = await sealStoredPhones(t.sql, cipher, { columns: [probe], batchSize: 2 });
		expect(report).toContainEqual({ table: probe.table, rows: numbers.length });
		expect(await countClearPhones(t.sql, [probe])).toEqual([]);
		expect(await sealStoredPhones(t.sql, cipher, { columns: [probe] })).not.toContainEqual(expect.objectContaining({ table: probe.table }));
	});

	it('each number opens to what it was, with its index, last four and calling code', async () => {
		const rows = await t.sql<{ phone_number: string | null; phone_enc: string; phone_hash: string; phone_last4: string; phone_calling_code: string }[]>`
			select phone_number, phone_enc, phone_hash, phone_last4, phone_calling_code from public.backfill_probe
			 where phone_enc is not null order by id`;
		expect(rows.map((r) => r.phone_number)).toEqual(numbers.map(() => null));
		expect(rows.map((r) => cipher.decrypt(r.phone_enc))).toEqual(numbers);
		expect(rows.map((r) => r.phone_hash)).toEqual(numbers.map((n) => cipher.blindIndex(n)));
		expect(rows.map((r) => r.phone_last4)).toEqual(numbers.map((n) => n.slice(-4)));
		expect(rows.map((r) => r.phone_calling_code)).toEqual(['1', '44', '33', '86', '1']);
		const [{ n }] = await t.sql<{ n: number }[]>`select count(*)::int as n from public.backfill_probe where phone_number is null and phone_enc is null`;
		expect(n).toBe(1);
	});
});
