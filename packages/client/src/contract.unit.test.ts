import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import { buildOpenApiDocument } from '../../../src/lib/api/v1/openapi.ts';
import type * as S from '../../../src/lib/api/v1/schemas/messages.ts';
import type * as C from '../../../src/lib/api/v1/schemas/contacts.ts';
import type * as P from '../../../src/lib/api/v1/schemas/common.ts';
import { ENDPOINTS, SmsClient } from './client.ts';
import type * as T from './types.ts';

describe('the client against the OpenAPI document', () => {
	const doc = buildOpenApiDocument() as { paths: Record<string, Record<string, { operationId: string }>> };

	it('calls exactly the documented key-authenticated operations, by the same ids', () => {
		const documented = Object.entries(doc.paths)
			.flatMap(([path, ops]) => Object.entries(ops).map(([m, op]) => ({ id: op.operationId, method: m.toUpperCase(), path })))
			.filter((o) => o.id !== 'getOpenApi');
		const ours = Object.entries(ENDPOINTS).map(([id, e]) => ({ id, method: e.method, path: e.path }));
		const key = (o: { id: string }) => o.id;
		expect(ours.sort((a, b) => key(a).localeCompare(key(b)))).toEqual(documented.sort((a, b) => key(a).localeCompare(key(b))));
	});

	it('builds the documented URLs, with metadata filters as deepObject', async () => {
		const seen: { url: string; init: RequestInit }[] = [];
		const client = new SmsClient({
			apiKey: 'sk_live_x',
			baseUrl: 'https://sms.example.com/',
			fetch: async (url, init) => {
				seen.push({ url: String(url), init: init ?? {} });
				return new Response(JSON.stringify({ data: [], nextCursor: null }), { headers: { 'content-type': 'application/json' } });
			}
		});
		await client.messages.list({ status: 'delivered', metadata: { eventId: 'e 1' } });
		await client.messages.get('a/b');
		expect(seen[0].url).toBe('https://sms.example.com/api/v1/messages?status=delivered&metadata%5BeventId%5D=e+1');
		expect(seen[1].url).toBe('https://sms.example.com/api/v1/messages/a%2Fb');
		expect((seen[0].init.headers as Record<string, string>).authorization).toBe('Bearer sk_live_x');
	});

	it('retries a 503 with the same Idempotency-Key and surfaces problems as SmsApiError with the field', async () => {
		const keys: string[] = [];
		let n = 0;
		const client = new SmsClient({
			apiKey: 'k',
			baseUrl: 'http://x',
			fetch: async (_url, init) => {
				keys.push((init?.headers as Record<string, string>)['idempotency-key']);
				n++;
				if (n === 1) return new Response('{}', { status: 503, headers: { 'retry-after': '0' } });
				return new Response(JSON.stringify({ type: '/docs/api#problem-invalid-request', title: 'bad', status: 422, detail: 'to.phone: no', field: 'to.phone' }), {
					status: 422,
					headers: { 'content-type': 'application/problem+json' }
				});
			}
		});
		await expect(client.messages.send({ to: { phone: '1' }, body: 'x' })).rejects.toMatchObject({ name: 'SmsApiError', status: 422, field: 'to.phone' });
		expect(keys).toHaveLength(2);
		expect(keys[0]).toBe(keys[1]);
	});

	it('has types that match the zod schemas the server validates with', () => {
		// Requests: everything the client lets you write, the server accepts.
		expectTypeOf<T.SendMessageRequest>().toExtend<z.input<typeof S.SendMessageRequest>>();
		expectTypeOf<T.PutContactRequest>().toExtend<z.input<typeof C.PutContactRequest>>();
		// Responses: exactly what the server produces.
		expectTypeOf<T.MessageAccepted>().toEqualTypeOf<z.output<typeof S.MessageAccepted>>();
		expectTypeOf<T.Message>().toEqualTypeOf<z.output<typeof S.Message>>();
		expectTypeOf<T.MessageList>().toEqualTypeOf<z.output<typeof S.MessageList>>();
		expectTypeOf<T.Contact>().toEqualTypeOf<z.output<typeof C.Contact>>();
		expectTypeOf<T.Problem>().toEqualTypeOf<z.output<typeof P.Problem>>();
		expectTypeOf<T.BatchResponse>().toEqualTypeOf<z.output<typeof S.BatchResponse>>();
	});
});
