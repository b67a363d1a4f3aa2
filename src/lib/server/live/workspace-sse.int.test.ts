/**
 * The workspace stream against a real database: the rollup trigger's NOTIFY 'sms_workspace'
 * reaches the streams of that workspace only, at most once a second however many texts change.
 */
import { createTestDatabase, type TestDatabase } from '@sms/db/testing';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveHub } from './hub.ts';
import { workspaceChannel, type WorkspaceNotice } from './workspace-channel.ts';
import { workspaceEventStream } from './workspace-sse.ts';
import { phoneColumns } from '@sms/db/testing';

let t: TestDatabase;
let hub: LiveHub<WorkspaceNotice>;
let orgA: string;
let orgB: string;

async function workspace(slug: string): Promise<string> {
	const [row] = await t.sql<{ id: string }[]>`insert into public.organizations (slug, name) values (${slug}, ${slug}) returning id`;
	return row!.id;
}

async function queueTo(org: string, phone: string): Promise<string> {
	const [c] = await t.sql<{ id: string }[]>`insert into public.contacts ${t.sql({ organization_id: org, name: 'Live', ...phoneColumns(phone) })} returning id`;
	const [{ id }] = await t.sql<{ id: string }[]>`select public.queue_sms_message(p_user_id => null, p_phone_sealed => null,
		p_message => 'hi', p_organization_id => ${org}::uuid, p_contact_id => ${c!.id}::uuid) as id`;
	return id;
}

/** Reads the stream in the background; `changes` counts `change` events with their times. */
function reader(stream: ReadableStream<Uint8Array>) {
	const times: number[] = [];
	const r = stream.getReader();
	const decoder = new TextDecoder();
	let text = '';
	const done = (async () => {
		for (;;) {
			const { value, done: end } = await r.read();
			if (end) return;
			text += decoder.decode(value);
			let at: number;
			while ((at = text.indexOf('event: change\n')) >= 0) {
				times.push(Date.now());
				text = text.slice(at + 1);
			}
		}
	})();
	return { times, done, ready: async () => { while (!text.includes('event: ready') && times.length === 0) await new Promise((x) => setTimeout(x, 10)); } };
}

beforeAll(async () => {
	t = await createTestDatabase();
	hub = new LiveHub({ sql: t.sql, log: pino({ level: 'silent' }), reader: workspaceChannel });
	orgA = await workspace('live-a');
	orgB = await workspace('live-b');
});
afterAll(async () => {
	await hub.close();
	await t.close();
});

describe('workspaceEventStream', () => {
	it("tells a workspace's pages that its texts changed, throttled to one change a second, never another workspace's", async () => {
		const abortA = new AbortController();
		const abortB = new AbortController();
		const a = reader(workspaceEventStream({ hub, organizationId: orgA, signal: abortA.signal, intervalMs: 1000 }));
		const b = reader(workspaceEventStream({ hub, organizationId: orgB, signal: abortB.signal, intervalMs: 1000 }));
		await hub.ready();
		await a.ready();
		const started = Date.now();
		let lastWrite = 0;
		// 12 texts queued and moved on over ~1.5 s: ~36 notifications for workspace A.
		for (let i = 0; i < 12; i++) {
			const id = await queueTo(orgA, `+1415555${String(2000 + i)}`);
			await t.sql`select public.mark_sms_dispatching(${id})`;
			await t.sql`select public.mark_sms_failed(${id}, 30003, 'Unreachable')`;
			lastWrite = Date.now();
			await new Promise((x) => setTimeout(x, 120));
		}
		await new Promise((x) => setTimeout(x, 1300));
		const elapsed = Date.now() - started;
		// At least one change, the trailing one after the last write, and never faster than 1/s.
		expect(a.times.length).toBeGreaterThanOrEqual(2);
		expect(a.times.length).toBeLessThanOrEqual(Math.ceil(elapsed / 1000) + 1);
		for (let i = 1; i < a.times.length; i++) expect(a.times[i]! - a.times[i - 1]!).toBeGreaterThanOrEqual(950);
		// The last write was told (the burst's trailing change is not dropped).
		expect(a.times.at(-1)!).toBeGreaterThanOrEqual(lastWrite - 5);
		expect(b.times).toEqual([]);
		abortA.abort();
		abortB.abort();
		await Promise.all([a.done, b.done]);
		expect(hub.size).toBe(0);
	});
});
