import type { RequestEvent } from '@sveltejs/kit';
import type { Db, Sql } from '@sms/db';
import { createUser } from '@sms/db/testing';
import { createDbBackend } from './backend.ts';
import { generateApiKey } from './keys.ts';
import { handlerFor, type OperationId } from './runs.ts';
import type { Scope } from '$lib/api/v1/operations';

/** A workspace with an owner, for tests. */
export async function createWorkspace(sql: Sql, slug: string): Promise<{ organizationId: string; ownerId: string }> {
	const ownerId = await createUser(sql);
	const [org] = await sql<{ id: string }[]>`insert into public.organizations (slug, name) values (${slug}, ${slug}) returning id`;
	await sql`insert into public.organization_members (organization_id, user_id, role) values (${org.id}, ${ownerId}, 'owner')`;
	return { organizationId: org.id, ownerId };
}

/** A key made the way the settings page makes one: create_api_key as the workspace's owner. */
export async function createKey(
	db: Db,
	ws: { organizationId: string; ownerId: string },
	options: { scopes?: Scope[]; ratePerSecond?: number; name?: string } = {}
): Promise<{ id: string; secret: string; prefix: string; hash: string }> {
	const key = generateApiKey();
	const [row] = await db.asUser({ sub: ws.ownerId }, (tx) => tx<{ id: string }[]>`
		select id from public.create_api_key(${ws.organizationId}::uuid, ${options.name ?? 'test key'},
			${options.scopes ?? ['messages:write', 'messages:read', 'contacts:write']}::text[],
			${key.prefix}, ${key.hash}, ${options.ratePerSecond ?? 1000})`);
	return { id: row.id, ...key };
}

export interface CallOptions {
	key?: string | null;
	method?: string;
	path: string;
	params?: Record<string, string>;
	body?: unknown;
	rawBody?: string | Uint8Array;
	headers?: Record<string, string>;
}

/** Calls one /api/v1 operation the way SvelteKit would, against the given database. */
export function apiCaller(db: Db) {
	const backend = createDbBackend(db);
	const handlers = new Map<OperationId, ReturnType<typeof handlerFor>>();
	return async (operationId: OperationId, o: CallOptions): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> => {
		let h = handlers.get(operationId);
		if (!h) handlers.set(operationId, (h = handlerFor(operationId, () => backend)));
		const url = new URL(`http://127.0.0.1:3000/api/v1${o.path}`);
		const headers: Record<string, string> = { ...(o.headers ?? {}) };
		if (o.key) headers.authorization = `Bearer ${o.key}`;
		let body: BodyInit | undefined;
		if (o.rawBody !== undefined) body = o.rawBody as BodyInit;
		else if (o.body !== undefined) body = JSON.stringify(o.body);
		if (body !== undefined) headers['content-type'] ??= 'application/json';
		const request = new Request(url, { method: o.method ?? 'POST', headers, body });
		const event = { request, url, params: o.params ?? {}, getClientAddress: () => '203.0.113.9' } as unknown as RequestEvent;
		const res = await h(event as never);
		const text = await res.text();
		return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : {} };
	};
}
