import { createTestDatabase, type TestDatabase } from '@sms/db/testing';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveHub } from './hub.ts';
import type { StatusNotice } from './notice.ts';
import { statusEventStream } from './sse.ts';

const ALICE = '00000000-0000-4000-8000-00000000000a';
const BOB = '00000000-0000-4000-8000-00000000000b';
const MSG = '00000000-0000-4000-8000-0000000000f1';

let t: TestDatabase;
let hub: LiveHub;

beforeAll(async () => {
	t = await createTestDatabase();
	hub = new LiveHub({ sql: t.sql, log: pino({ level: 'silent' }) });
});
afterAll(async () => {
	await hub.close();
	await t.close();
});

function notify(userId: string, status: string, messageId = MSG) {
	return t.sql`select pg_notify('sms_status', ${JSON.stringify({ message_id: messageId, user_id: userId, status })})`;
}

function collector() {
	const got: StatusNotice[] = [];
	let wake = () => {};
	return {
		got,
		subscriber: { notice: (n: StatusNotice) => (got.push(n), wake()), resync: () => {} },
		next: (count: number) =>
			new Promise<void>((resolve, reject) => {
				const timer = setTimeout(() => reject(new Error(`only ${got.length} notices`)), 3000);
				wake = () => {
					if (got.length >= count) clearTimeout(timer), resolve();
				};
				wake();
			})
	};
}

describe('LiveHub', () => {
	it('delivers each notice only to the subscribers of its user, over one LISTEN connection', async () => {
		const alice1 = collector();
		const alice2 = collector();
		const bob = collector();
		const offs = [hub.subscribe(ALICE, alice1.subscriber), hub.subscribe(ALICE, alice2.subscriber), hub.subscribe(BOB, bob.subscriber)];
		await hub.ready();
		await notify(ALICE, 'delivered');
		await notify(BOB, 'sent');
		await t.sql`select pg_notify('sms_status', 'not json')`;
		await Promise.all([alice1.next(1), alice2.next(1), bob.next(1)]);
		expect(alice1.got).toEqual([{ messageId: MSG, userId: ALICE, status: 'delivered' }]);
		expect(alice2.got).toEqual(alice1.got);
		expect(bob.got).toEqual([{ messageId: MSG, userId: BOB, status: 'sent' }]);
		const [{ n }] = await t.sql<{ n: number }[]>`
			select count(*)::int as n from pg_stat_activity
			where datname = current_database() and query ilike 'listen%'`;
		expect(n).toBe(1);
		offs.forEach((off) => off());
		expect(hub.size).toBe(0);
	});

	it('streams server-sent events for the signed-in user and stops when the client goes away', async () => {
		const abort = new AbortController();
		const stream = statusEventStream({ hub, userId: ALICE, signal: abort.signal });
		const reader = stream.getReader();
		const decoder = new TextDecoder();
		let text = '';
		await hub.ready();
		while (!text.includes('event: ready')) text += decoder.decode((await reader.read()).value);
		await notify(BOB, 'failed');
		await notify(ALICE, 'undelivered');
		while (!text.includes('undelivered')) text += decoder.decode((await reader.read()).value);
		expect(text).toContain(`event: status\ndata: {"id":"${MSG}","status":"undelivered"}\n\n`);
		expect(text).not.toContain('failed');
		expect(hub.size).toBe(1);
		abort.abort();
		expect(hub.size).toBe(0);
		expect((await reader.read()).done).toBe(true);
	});
});

describe('LiveHub.close', () => {
	it('ends every open stream so the HTTP server can shut down', async () => {
		const local = new LiveHub({ sql: t.sql, log: pino({ level: 'silent' }) });
		const reader = statusEventStream({ hub: local, userId: ALICE }).getReader();
		await local.ready();
		await reader.read();
		await local.close();
		let done = false;
		while (!done) done = (await reader.read()).done;
		expect(local.size).toBe(0);
	});
});
