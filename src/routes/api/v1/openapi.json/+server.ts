import { openApiDocument } from '$lib/api/v1/openapi';
import type { RequestHandler } from './$types';

/** The OpenAPI 3.1 document, built from the zod schemas the routes validate with. */
export const GET: RequestHandler = () =>
	new Response(JSON.stringify(openApiDocument()), {
		headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300', 'access-control-allow-origin': '*' }
	});
