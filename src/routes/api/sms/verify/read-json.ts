import type { z } from 'zod';
import { mediaType } from '@sms/twilio-service/validate';

export type JsonBodyResult<T> = { ok: true; data: T } | { ok: false; status: 400 | 415; message: string };

/**
 * Parses a JSON request body with `schema`. A body that is not declared application/json is a
 * 415 (a cross-site page can send text/plain or no type without a preflight, so the type is
 * part of the CSRF defence); a missing or malformed body, or one that does not fit, is a 400 —
 * never a 500.
 */
export async function parseJsonBody<T extends z.ZodType>(
	request: Request,
	schema: T,
	example: string
): Promise<JsonBodyResult<z.infer<T>>> {
	const type = mediaType(request.headers.get('content-type'));
	if (type !== 'application/json') {
		return { ok: false, status: 415, message: `Send Content-Type: application/json and a JSON body like ${example}.` };
	}
	let raw: unknown;
	try {
		raw = await request.json();
	} catch {
		return { ok: false, status: 400, message: `Send a JSON body like ${example}.` };
	}
	if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
		return { ok: false, status: 400, message: `Send a JSON body like ${example}.` };
	}
	const parsed = schema.safeParse(raw);
	return parsed.success
		? { ok: true, data: parsed.data }
		: { ok: false, status: 400, message: parsed.error.issues[0].message };
}
