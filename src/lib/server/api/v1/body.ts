import { API_LIMITS } from '$lib/api/v1/limits';
import { problem } from '$lib/api/v1/problems';
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
	const declared = Number(request.headers.get('content-length') ?? NaN);
	if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
	if (!request.body) throw new ApiProblem(problem('malformed_json', 'The request has no body.'));
	const reader = request.body.getReader();
	const chunks: Uint8Array[] = [];
	let size = 0;
	try {
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			size += value.byteLength;
			if (size > maxBytes) {
				void reader.cancel();
				throw tooLarge();
			}
			chunks.push(value);
		}
	} catch (e) {
		if (e instanceof ApiProblem) throw e;
		// adapter-node's own BODY_SIZE_LIMIT errors the stream (SvelteKitError 413).
		if ((e as { status?: number }).status === 413) throw tooLarge();
		throw e;
	}
	const text = new TextDecoder().decode(Buffer.concat(chunks));
	try {
		return { value: JSON.parse(text), text };
	} catch (e) {
		throw new ApiProblem(problem('malformed_json', `The body is not valid JSON: ${(e as Error).message}`));
	}
}
