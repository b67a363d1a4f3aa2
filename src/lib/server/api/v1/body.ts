import { API_LIMITS } from '$lib/api/v1/limits';
import { problem } from '$lib/api/v1/problems';
import { readCappedBody } from '../../http/read-capped.ts';
import { ApiProblem } from './respond.ts';

/**
 * Reads a JSON body, refusing (as problem+json) a wrong content type, a body over the limit —
 * counted while reading, so a missing or lying Content-Length does not help — and bad JSON.
 * Returns the raw text too: idempotency fingerprints the bytes the client sent.
 */
export async function readJsonBody(request: Request, maxBytes: number = API_LIMITS.bodyMaxBytes): Promise<{ value: unknown; text: string }> {
	const type = (request.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
	if (type !== 'application/json' && !type.endsWith('+json')) {
		throw new ApiProblem(problem('unsupported_media_type', `Send the body as JSON with Content-Type: application/json (got ${type || 'none'}).`));
	}
	const tooLarge = () =>
		new ApiProblem(problem('payload_too_large', `The body must be at most ${maxBytes} bytes; send large sets in batches of ${API_LIMITS.batchMax}.`));
	if (!request.body) throw new ApiProblem(problem('malformed_json', 'The request has no body.'));
	const bytes = await readCappedBody(request, maxBytes);
	if (bytes === null) throw tooLarge();
	const text = new TextDecoder().decode(bytes);
	try {
		return { value: JSON.parse(text), text };
	} catch (e) {
		throw new ApiProblem(problem('malformed_json', `The body is not valid JSON: ${(e as Error).message}`));
	}
}
