import { z } from 'zod';
import { Recipient } from './schemas/messages.ts';
import { Problem } from './schemas/common.ts';
import { API_LIMITS } from './limits.ts';
import { OPERATIONS, SCOPES, type Operation } from './operations.ts';
import { PROBLEM_TYPES } from './problems.ts';

type JsonObject = Record<string, unknown>;

/**
 * Builds the OpenAPI 3.1 document from the same zod schemas the routes validate with
 * (zod 4's JSON Schema output, draft 2020-12 — OpenAPI 3.1's dialect).
 */
export function buildOpenApiDocument(options: { serverUrl?: string } = {}): JsonObject {
	const components: Record<string, JsonObject> = {};

	const schemaRef = (schema: z.ZodType, io: 'input' | 'output'): JsonObject => {
		const json = z.toJSONSchema(schema, {
			io,
			target: 'draft-2020-12',
			unrepresentable: 'any',
			override: (ctx) => {
				// The recipient is one object with a refinement (for good errors); say the rule in the schema too.
				if (ctx.zodSchema === Recipient) {
					ctx.jsonSchema.oneOf = [
						{ required: ['userId'] },
						{ required: ['contactId'] },
						{ required: ['externalId'] },
						{ required: ['phone'], not: { anyOf: [{ required: ['userId'] }, { required: ['contactId'] }, { required: ['externalId'] }] } }
					];
				}
			}
		}) as JsonObject;
		const rewritten = JSON.parse(JSON.stringify(json).replaceAll('"#/$defs/', '"#/components/schemas/')) as JsonObject;
		const defs = (rewritten.$defs ?? {}) as Record<string, JsonObject>;
		for (const [id, def] of Object.entries(defs)) {
			const existing = components[id];
			if (existing && JSON.stringify(existing) !== JSON.stringify(def)) {
				// Same id, different shape in request vs response mode: keep both apart.
				components[`${id}${io === 'input' ? 'Input' : 'Output'}`] = def;
			} else components[id] = def;
		}
		delete rewritten.$defs;
		delete rewritten.$schema;
		return rewritten;
	};

	const problemContent = { 'application/problem+json': { schema: schemaRef(Problem, 'output') } };
	const paths: Record<string, Record<string, JsonObject>> = {};
	for (const op of OPERATIONS) {
		(paths[op.path] ??= {})[op.method.toLowerCase()] = operationObject(op, schemaRef, problemContent);
	}

	return {
		openapi: '3.1.0',
		jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
		info: {
			title: 'sms-notify API',
			version: '1.0.0',
			description:
				'Queue texts from your own code with a workspace API key. Errors are RFC 9457 problem details naming the field at fault. ' +
				`Send an Idempotency-Key header on POSTs to retry safely (kept ${API_LIMITS.idempotencyHours} hours).`
		},
		servers: [{ url: options.serverUrl ? `${options.serverUrl.replace(/\/$/, '')}/api/v1` : '/api/v1' }],
		security: [{ apiKey: [] }],
		paths,
		components: {
			schemas: components,
			securitySchemes: {
				apiKey: {
					type: 'http',
					scheme: 'bearer',
					description: `A workspace API key (Authorization: Bearer sk_live_…). Scopes: ${SCOPES.join(', ')}.`
				}
			}
		},
		'x-problem-types': Object.fromEntries(Object.entries(PROBLEM_TYPES).map(([k, v]) => [k, v]))
	};
}

function operationObject(
	op: Operation,
	schemaRef: (s: z.ZodType, io: 'input' | 'output') => JsonObject,
	problemContent: JsonObject
): JsonObject {
	const parameters: JsonObject[] = [];
	for (const [name, schema] of Object.entries(op.pathParams ?? {})) {
		parameters.push({ name, in: 'path', required: true, schema: schemaRef(schema, 'input') });
	}
	if (op.query) {
		const json = schemaRef(op.query, 'input') as { properties: Record<string, JsonObject>; required?: string[] };
		for (const [name, schema] of Object.entries(json.properties)) {
			parameters.push({ name, in: 'query', required: json.required?.includes(name) ?? false, schema });
		}
	}
	for (const q of op.extraQuery ?? []) {
		parameters.push({ name: q.name, in: 'query', style: q.style, explode: true, description: q.description, schema: q.schema });
	}
	if (op.idempotent) {
		parameters.push({
			name: 'Idempotency-Key',
			in: 'header',
			required: false,
			description: `Retry safely: the same key and body get the same answer for ${API_LIMITS.idempotencyHours} h; the same key with another body gets 409.`,
			schema: { type: 'string', minLength: 1, maxLength: API_LIMITS.idempotencyKeyMaxLength }
		});
	}
	const responses: Record<string, JsonObject> = {
		[op.success.status]: {
			description: op.success.description,
			...(op.success.schema
				? { content: { [op.success.contentType ?? 'application/json']: { schema: schemaRef(op.success.schema, 'output') } } }
				: op.success.contentType
					? { content: { [op.success.contentType]: { schema: { type: 'object' } } } }
					: {})
		}
	};
	for (const kind of op.problems) {
		const { status, title } = PROBLEM_TYPES[kind];
		const existing = responses[status];
		responses[status] = existing
			? { ...existing, description: `${existing.description as string}; or: ${title}` }
			: { description: title, content: problemContent };
	}
	return {
		operationId: op.operationId,
		summary: op.summary,
		...(op.description ? { description: op.description } : {}),
		...(op.scope ? { 'x-scope': op.scope } : { security: [] }),
		...(parameters.length ? { parameters } : {}),
		...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaRef(op.body, 'input') } } } } : {}),
		responses
	};
}

let cached: JsonObject | undefined;
/** The document as served (relative server URL, so it is right behind any proxy). */
export function openApiDocument(): JsonObject {
	cached ??= buildOpenApiDocument();
	return cached;
}
