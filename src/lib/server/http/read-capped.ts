/**
 * Reads a request body, stopping as soon as it passes `maxBytes` — declared or not (chunked),
 * so a missing or lying Content-Length does not help. `null` means too large, including
 * adapter-node's own BODY_SIZE_LIMIT (the stream errors with status 413). Other read errors
 * (a client that hung up) are thrown for the caller to answer in its own terms.
 */
export async function readCappedBody(request: Request, maxBytes: number): Promise<Buffer | null> {
	const declared = Number(request.headers.get('content-length') ?? NaN);
	if (Number.isFinite(declared) && declared > maxBytes) return null;
	if (!request.body) return Buffer.alloc(0);
	const reader = request.body.getReader();
	const chunks: Uint8Array[] = [];
	let size = 0;
	try {
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			size += value.byteLength;
			if (size > maxBytes) {
				await reader.cancel().catch(() => {});
				return null;
			}
			chunks.push(value);
		}
	} catch (error) {
		if ((error as { status?: unknown } | null)?.status === 413) return null;
		throw error;
	}
	return Buffer.concat(chunks);
}
