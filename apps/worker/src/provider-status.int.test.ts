/**
 * What the HTTP providers (sms-retail, 23telecom) say besides "accepted", through the real
 * worker and the sandbox's emulated providers:
 * - a refusal because the recipient opted out records the number's STOP (as Twilio's 21610
 *   does), so later texts to it are suppressed before any provider is called;
 * - texts whose delivery reports never arrive are brought to their final status by the
 *   reconciler, which asks each text's provider through the port (fetchStatus).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { phoneColumns, phoneHash, setupWorkerEnv, waitFor, type WorkerTestEnv } from '../test/fixtures.ts';
import { createProviderWorkspace, sentRows, type HttpProvider } from '../test/providers.ts';

let env: WorkerTestEnv;

beforeAll(async () => {
	env = await setupWorkerEnv();
});
afterAll(() => env.close());
afterEach(async () => {
	await Promise.all(env.workers.splice(0).map((w) => w.stop()));
	env.sandbox.state.faults = { ...env.sandbox.state.faults, dropCallbacks: 0 };
});

/** A text to a (new) contact of the workspace with this number. */
async function textContact(organizationId: string, phone: string, body: string): Promise<string> {
	const [contact] = await env.sql<{ id: string }[]>`
		insert into public.contacts ${env.sql({ organization_id: organizationId, name: 'Contact', ...phoneColumns(phone) })}
		on conflict do nothing returning id`;
	const contactId =
		contact?.id ??
		(await env.sql<{ id: string }[]>`select id from public.contacts where organization_id = ${organizationId} and phone_hash = ${phoneHash(phone)}`)[0]!.id;
	const [row] = await env.sql<{ id: string }[]>`
		select public.queue_sms_message(p_user_id => null, p_phone_sealed => null, p_message => ${body},
		                                p_contact_id => ${contactId}::uuid) as id`;
	return row.id;
}

async function statusOf(id: string): Promise<{ status: string; status_reason: string | null; error_message: string | null }> {
	const [row] = await env.sql<{ status: string; status_reason: string | null; error_message: string | null }[]>`
		select status, status_reason, error_message from public.sms_messages where id = ${id}`;
	return row!;
}

describe.each<HttpProvider>(['sms-retail', '23telecom'])('%s refuses an opted-out recipient', (provider) => {
	it('records the STOP for the number; the next text to it is suppressed before dispatch', async () => {
		// The sandbox's magic number: both providers refuse it as opted out (sms-retail opted_out, 23telecom 1002).
		const phone = '+15005550004';
		await env.sql`delete from public.sms_phone_opt_outs where phone_hash = ${phoneHash(phone)}`;
		const org = await createProviderWorkspace(env.sql, env.sandbox, [provider]);
		await env.startWorker({ providers: { settingsTtlMs: 0 } });
		const first = await textContact(org, phone, `${provider} to someone who opted out`);
		await waitFor(async () => (await statusOf(first)).status === 'failed', { message: 'first text failed' });
		const [optOut] = await env.sql<{ opted_out: boolean; source: string }[]>`
			select opted_out, source from public.sms_phone_opt_outs where phone_hash = ${phoneHash(phone)}`;
		expect(optOut).toEqual({ opted_out: true, source: 'provider_opt_out' });

		const accepted = env.sandbox.state.providers[provider].accepted;
		const calls = [...env.sandbox.state.providers[provider].texts.all()].length;
		const next = await textContact(org, phone, `${provider} a later text`);
		const later = await waitFor(async () => {
			const s = await statusOf(next);
			return s.status === 'suppressed' ? s : null;
		}, { message: 'later text suppressed' });
		expect(later.status_reason).toBe('opted_out');
		expect(env.sandbox.state.providers[provider].accepted).toBe(accepted);
		expect([...env.sandbox.state.providers[provider].texts.all()].length).toBe(calls);
		const [{ n }] = await env.sql<{ n: number }[]>`select count(*)::int as n from public.sms_send_attempts where message_id = ${next}`;
		expect(n).toBe(0);
	});
});

describe('reconciling texts whose delivery reports were lost', () => {
	it.each<HttpProvider>(['sms-retail', '23telecom'])('%s: the reconciler polls each text and applies its final status', async (provider) => {
		env.sandbox.state.faults = { ...env.sandbox.state.faults, dropCallbacks: 1 };
		const org = await createProviderWorkspace(env.sql, env.sandbox, [provider]);
		// Magic numbers: delivered (any number), sent → undelivered, failed, sent and no receipt ever.
		const cases = [
			{ phone: `+1555${provider === 'sms-retail' ? '311' : '312'}0001`, final: 'delivered' },
			{ phone: '+15005550010', final: 'undelivered' },
			{ phone: '+15005550014', final: 'failed' },
			{ phone: '+15005550015', final: 'sent' }
		];
		const ids: string[] = [];
		for (const c of cases) ids.push(await textContact(org, c.phone, `${provider} reconcile ${c.phone}`));
		const worker = await env.startWorker({ providers: { settingsTtlMs: 0 }, reconcile: { afterSeconds: 0, intervalMs: 100, giveUpSeconds: 3600 } });
		// Every report was dropped: only the reconciler can move the texts on.
		await waitFor(async () => {
			const rows = await env.sql<{ id: string; status: string }[]>`select id, status from public.sms_messages where id = any(${ids}::uuid[])`;
			return cases.every((c, i) => rows.find((r) => r.id === ids[i])?.status === c.final);
		}, { timeoutMs: 20_000, message: 'every text at its final status' });
		const dropped = env.sandbox.state.providers[provider].callbacks().filter((c) => c.dropped);
		expect(dropped.length).toBeGreaterThan(0);

		const rows = await sentRows(env.sql, ids);
		expect(rows.every((r) => r.provider === provider && r.provider_reference !== null)).toBe(true);
		const events = await env.sql<{ message_id: string; source: string; status: string | null; applied: boolean }[]>`
			select message_id, source, status, applied from public.sms_delivery_events
			where message_id = any(${ids}::uuid[]) and source = 'poll' order by id`;
		for (const [i, c] of cases.entries()) {
			expect(events.some((e) => e.message_id === ids[i] && e.status === c.final && e.applied)).toBe(true);
		}
		expect(Number(await worker.metrics.registry.getSingleMetricAsString('sms_worker_reconciled_total').then((t) => /outcome="applied"} (\d+)/.exec(t)?.[1] ?? 0))).toBeGreaterThanOrEqual(cases.length);
	});
});
