import { createTestDatabase, type TestDatabase } from '@sms/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmsClient } from '../../../../../packages/client/src/index.ts';
import { sendTaskReminder } from '../../../../../packages/client/examples/task-reminder.ts';
import { queueDailyBriefs } from '../../../../../packages/client/examples/daily-brief.ts';
import { sendUrgentAlert } from '../../../../../packages/client/examples/urgent-alert.ts';
import { OPERATIONS } from '$lib/api/v1/operations';
import { createDbBackend } from './backend.ts';
import { handlerFor, OPERATION_IDS, type OperationId } from './runs.ts';
import { createKey, createWorkspace } from './test-support.ts';

let t: TestDatabase;
let sms: SmsClient;

/**
 * A fetch that hands each request to the real /api/v1 handler for its path, against a real
 * database: the client's URLs, headers and bodies go through exactly what the routes run.
 */
function inProcessFetch(db: TestDatabase['db']): typeof fetch {
	const backend = createDbBackend(db);
	const routes = OPERATIONS.filter((o) => (OPERATION_IDS as readonly string[]).includes(o.operationId)).map((o) => ({
		method: o.method,
		pattern: new RegExp(`^/api/v1${o.path.replace(/\{(\w+)\}/g, '(?<$1>[^/]+)')}$`),
		handler: handlerFor(o.operationId as OperationId, () => backend)
	}));
	return async (input, init) => {
		const request = new Request(input, init);
		const url = new URL(request.url);
		for (const r of routes) {
			const m = r.method === request.method ? r.pattern.exec(url.pathname) : null;
			if (!m) continue;
			const params = Object.fromEntries(Object.entries(m.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)]));
			return r.handler({ request, url, params, getClientAddress: () => '127.0.0.1' } as never);
		}
		return new Response('not found', { status: 404 });
	};
}

beforeAll(async () => {
	t = await createTestDatabase();
	const ws = await createWorkspace(t.sql, 'buildos');
	const key = await createKey(t.db, ws);
	// Templates belong to a workspace: this one is the key's.
	await t.sql`insert into public.sms_templates (organization_id, template_key, name, message_template, template_vars, notification_type)
		values (${ws.organizationId}, 'task_reminder', 'Task reminder', 'Reminder: "{{task}}" is due {{due}}.', '["task","due"]', 'task_reminder')`;
	sms = new SmsClient({ apiKey: key.secret, baseUrl: 'http://127.0.0.1:3000', fetch: inProcessFetch(t.db) });
});
afterAll(async () => t?.close());

describe("seed 003's notifications through the client", () => {
	it('task reminder: rendered from the template, once however often the job retries', async () => {
		const task = { id: 't-91', name: 'Ship the report', due: new Date('2026-12-02T15:00:00Z'), user: { id: '42', name: 'Ada', phone: '+14155552671' } };
		const first = await sendTaskReminder(sms, task);
		const again = await sendTaskReminder(sms, task);
		expect(again.id).toBe(first.id);
		const m = await sms.messages.get(first.id);
		expect(m).toMatchObject({ body: 'Reminder: "Ship the report" is due at 15:00 UTC.', type: 'task_reminder', priority: 'high', metadata: { taskId: 't-91' } });
	});

	it('daily brief: a batch scheduled per person, findable by its metadata', async () => {
		const at = new Date(Date.now() + 10 * 3600_000);
		const res = await queueDailyBriefs(sms, [
			{ externalId: 'u-1', name: 'Ada', phone: '+14155552681', sendAt: at, summary: '3 tasks due' },
			{ externalId: 'u-2', name: 'Bo', phone: 'not-a-phone', sendAt: at, summary: '1 task due' },
			{ externalId: 'u-3', name: 'Cy', phone: '+14155552683', sendAt: at, summary: 'nothing due' }
		], '2026-12-02');
		expect(res).toMatchObject({ accepted: 2, rejected: 1 });
		expect(res.results[1].problem?.field).toBe('messages.1.to.phone');
		const found = [];
		for await (const m of sms.messages.listAll({ metadata: { brief: '2026-12-02' }, limit: 1 })) found.push(m);
		expect(found.map((m) => m.status)).toEqual(['scheduled', 'scheduled']);
	});

	it('urgent alert: urgent priority, followed to its status', async () => {
		const { accepted, message } = await sendUrgentAlert(sms, { id: 'a-1', phone: '+14155552699', text: 'Server down' });
		expect(accepted.status).toBe('pending');
		expect(message).toMatchObject({ priority: 'urgent', type: 'urgent_alert', verdict: 'pending' });
		await expect(sms.messages.send({ to: { phone: '+1' }, body: 'x' })).rejects.toMatchObject({ status: 422, field: 'to.phone' });
	});
});
