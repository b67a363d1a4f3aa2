import { OPERATIONS } from '$lib/api/v1/operations';
import { openApiDocument } from '$lib/api/v1/openapi';
import { PROBLEM_TYPES } from '$lib/api/v1/problems';
import type { PageServerLoad } from './$types';

interface ParameterDoc {
	name: string;
	in: string;
	required: boolean;
	description?: string;
	schema: unknown;
}

/** The API reference: the served OpenAPI document, arranged for reading. */
export const load: PageServerLoad = () => {
	const doc = openApiDocument() as {
		paths: Record<string, Record<string, { parameters?: ParameterDoc[]; requestBody?: { content: Record<string, { schema: unknown }> }; responses: Record<string, { description: string }> }>>;
		components: { schemas: Record<string, unknown> };
	};
	return {
		operations: OPERATIONS.map((op) => {
			const o = doc.paths[op.path][op.method.toLowerCase()];
			return {
				id: op.operationId,
				method: op.method,
				path: `/api/v1${op.path}`,
				summary: op.summary,
				description: op.description ?? '',
				scope: op.scope,
				parameters: (o.parameters ?? []).map((p) => ({ name: p.name, in: p.in, required: p.required, description: p.description ?? '' })),
				body: o.requestBody ? JSON.stringify(o.requestBody.content['application/json'].schema) : null,
				responses: Object.entries(o.responses).map(([status, r]) => ({ status, description: r.description }))
			};
		}),
		schemas: Object.entries(doc.components.schemas).map(([name, schema]) => ({ name, json: JSON.stringify(schema, null, 2) })),
		problems: Object.entries(PROBLEM_TYPES).map(([kind, p]) => ({ anchor: `problem-${kind.replaceAll('_', '-')}`, ...p }))
	};
};
