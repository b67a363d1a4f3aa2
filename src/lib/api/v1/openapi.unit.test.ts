import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from './openapi.ts';
import { OPERATIONS } from './operations.ts';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

// Every route module under src/routes/api/v1, loaded for real (its exports, not its text).
const routeModules = import.meta.glob('/src/routes/api/v1/**/+server.ts');

/** "/src/routes/api/v1/messages/[id]/cancel/+server.ts" → "/messages/{id}/cancel" */
function documentPath(file: string): string {
	return file
		.replace('/src/routes/api/v1', '')
		.replace(/\/\+server\.ts$/, '')
		.replace(/\[([^\]]+)\]/g, '{$1}');
}

describe('the OpenAPI document and the /api/v1 routes', () => {
	it('describe exactly the same operations', async () => {
		const fromRoutes: string[] = [];
		for (const [file, load] of Object.entries(routeModules)) {
			const mod = (await load()) as Record<string, unknown>;
			for (const m of METHODS) if (typeof mod[m] === 'function') fromRoutes.push(`${m} ${documentPath(file)}`);
		}
		const doc = buildOpenApiDocument() as { paths: Record<string, Record<string, unknown>> };
		const fromDocument = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
		expect(fromRoutes.length).toBeGreaterThan(5);
		expect(fromRoutes.sort()).toEqual(fromDocument.sort());
	});

	it('is OpenAPI 3.1 with every $ref resolvable and every operation id unique', () => {
		const doc = buildOpenApiDocument() as { openapi: string; components: { schemas: Record<string, unknown> } };
		expect(doc.openapi).toBe('3.1.0');
		const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]);
		expect(refs.length).toBeGreaterThan(10);
		for (const ref of refs) {
			expect(ref).toMatch(/^#\/components\/schemas\//);
			expect(doc.components.schemas[ref.split('/').at(-1)!], ref).toBeDefined();
		}
		const ids = OPERATIONS.map((o) => o.operationId);
		expect(new Set(ids).size).toBe(ids.length);
	});

	it('documents the request body of each write with the schema the route validates with', () => {
		const doc = buildOpenApiDocument() as { paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { $ref?: string } }> } }>> };
		expect(doc.paths['/messages'].post.requestBody?.content['application/json'].schema.$ref).toBe('#/components/schemas/SendMessageRequest');
		expect(doc.paths['/messages/batch'].post.requestBody?.content['application/json'].schema.$ref).toBe('#/components/schemas/BatchRequest');
		expect(doc.paths['/contacts/{externalId}'].put.requestBody?.content['application/json'].schema.$ref).toBe('#/components/schemas/PutContactRequest');
	});
});
