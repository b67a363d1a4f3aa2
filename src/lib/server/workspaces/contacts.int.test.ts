/**
 * Workspace contacts through RLS as an operator, on sealed numbers: the number is stored only
 * sealed (ciphertext, hash, last four, calling code), opened on the way out, found by a full
 * number in the workspace's national format (its hash) and by its last four.
 */
import { createTestDatabase, createUser, phoneColumns, phoneHash, type TestDatabase } from '@sms/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeContactCursor, getContact, insertContact, listContacts, updateContact } from './contacts.ts';
import { parseContactSearch } from './contact-search.ts';
import type { ContactInput } from './contact-form.ts';

let t: TestDatabase;
let org: string;
let operator: string;

const input = (phoneNumber: string, name = 'Nora National'): ContactInput => ({
	name, phoneNumber, timeZone: null, externalId: null, tags: [], attributes: {}, consentSource: null, consentedAt: null
});

beforeAll(async () => {
	t = await createTestDatabase();
	operator = await createUser(t.sql);
	[{ id: org }] = await t.sql`insert into public.organizations (slug, name) values ('uk-co', 'UK') returning id`;
	await t.sql`insert into public.organization_members (organization_id, user_id, role) values (${org}, ${operator}, 'operator')`;
});
afterAll(async () => t?.close());

describe('workspace contacts on sealed numbers', () => {
	it('stores only the sealed forms, opens the number on the way out, finds it by full number and by last four', async () => {
		const created = await t.db.asUser({ sub: operator }, (tx) => insertContact(tx, { organizationId: org, contact: input('+447911123456') }));
		expect(created.phoneNumber).toBe('+447911123456');
		const [row] = await t.sql`select * from public.contacts where id = ${created.id}`;
		expect(row).toMatchObject({ phone_hash: phoneHash('+447911123456'), phone_last4: '3456', calling_code: '44' });
		expect(row.phone_enc).toMatch(/^p1\./);
		expect(JSON.stringify(row)).not.toContain('7911123456');

		const find = (q: string) =>
			t.db.asUser({ sub: operator }, (tx) =>
				listContacts(tx, { organizationId: org, search: parseContactSearch(q, 'GB'), tag: null, after: null }));
		for (const q of ['07911 123456', '+44 7911 123456', '3456', 'nora']) {
			expect((await find(q)).contacts.map((c) => [c.id, c.phoneNumber]), q).toEqual([[created.id, '+447911123456']]);
		}
		expect((await find('07911 123457')).contacts).toEqual([]);

		const fetched = await t.db.asUser({ sub: operator }, (tx) => getContact(tx, { organizationId: org, id: created.id }));
		expect(fetched?.phoneNumber).toBe('+447911123456');
	});

	it('an edit keeping the number keeps its ciphertext; a new number is sealed anew and found by its hash', async () => {
		const c = await t.db.asUser({ sub: operator }, (tx) => insertContact(tx, { organizationId: org, contact: input('+447911000111', 'Ed Edit') }));
		const [{ phone_enc: before }] = await t.sql`select phone_enc from public.contacts where id = ${c.id}`;
		await t.db.asUser({ sub: operator }, (tx) => updateContact(tx, { organizationId: org, id: c.id, contact: input('+447911000111', 'Ed Edited') }));
		const [{ phone_enc: same }] = await t.sql`select phone_enc from public.contacts where id = ${c.id}`;
		expect(same).toBe(before);
		const moved = await t.db.asUser({ sub: operator }, (tx) =>
			updateContact(tx, { organizationId: org, id: c.id, contact: input('+447911000222', 'Ed Edited') }));
		expect(moved?.phoneNumber).toBe('+447911000222');
		const [after] = await t.sql`select phone_hash, phone_last4 from public.contacts where id = ${c.id}`;
		expect(after).toEqual({ phone_hash: phoneHash('+447911000222'), phone_last4: '0222' });
	});

	it('a second contact with the same number in the workspace is refused (unique by hash)', async () => {
		await expect(
			t.db.asUser({ sub: operator }, (tx) => insertContact(tx, { organizationId: org, contact: input('+447911123456', 'Twin') }))
		).rejects.toMatchObject({ code: '23505' });
	});
	it('pages through contacts without a name (created from a bare number by the API or a campaign): none is skipped or repeated', async () => {
		const [{ id: ws }] = await t.sql`insert into public.organizations (slug, name) values ('nameless-co', 'Nameless') returning id`;
		await t.sql`insert into public.organization_members (organization_id, user_id, role) values (${ws}, ${operator}, 'operator')`;
		const ids: string[] = [];
		for (const [i, name] of ['Ann', 'Bob', 'Cy'].entries()) {
			ids.push((await t.db.asUser({ sub: operator }, (tx) => insertContact(tx, { organizationId: ws, contact: input(`+44791100030${i}`, name) }))).id);
		}
		// A nameless contact as the API and campaign start now create them.
		for (const i of [5, 6, 7]) {
			const p = phoneColumns(`+44791100030${i}`);
			const [{ id }] = await t.sql`insert into public.contacts (organization_id, name, phone_enc, phone_hash, phone_last4, calling_code)
				values (${ws}, null, ${p.phone_enc}, ${p.phone_hash}, ${p.phone_last4}, ${p.calling_code}) returning id`;
			ids.push(id);
		}
		const seen: string[] = [];
		let after: ReturnType<typeof decodeContactCursor> = null;
		for (let page = 0; page < 10; page++) {
			const r = await t.db.asUser({ sub: operator }, (tx) => listContacts(tx, { organizationId: ws, search: null, tag: null, after, pageSize: 2 }));
			seen.push(...r.contacts.map((c) => c.id));
			if (!r.next) break;
			after = decodeContactCursor(r.next);
		}
		expect([...seen].sort()).toEqual([...ids].sort());
		expect(new Set(seen).size).toBe(ids.length);
		const nameless = await t.db.asUser({ sub: operator }, (tx) => getContact(tx, { organizationId: ws, id: ids[3] }));
		expect(nameless?.name).toBeNull();
	});
});
