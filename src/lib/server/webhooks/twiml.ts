const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

function escapeXml(text: string): string {
	return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** A TwiML answer: one reply text, or an empty <Response/> when we have nothing to say. */
export function twiml(message?: string | null): string {
	const head = '<?xml version="1.0" encoding="UTF-8"?>';
	if (!message) return `${head}<Response/>`;
	return `${head}<Response><Message>${escapeXml(message)}</Message></Response>`;
}

export function twimlResponse(message?: string | null): Response {
	return new Response(twiml(message), { status: 200, headers: { 'content-type': 'text/xml; charset=utf-8' } });
}
