const MESSAGE = /<Message\b[^>]*>([\s\S]*?)<\/Message>/g;
const BODY = /<Body\b[^>]*>([\s\S]*?)<\/Body>/;

function decodeXml(text: string): string {
	return text
		.replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
		.replace(/&#(\d+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
		.replaceAll('&lt;', '<')
		.replaceAll('&gt;', '>')
		.replaceAll('&quot;', '"')
		.replaceAll('&apos;', "'")
		.replaceAll('&amp;', '&');
}

/** The texts a TwiML <Response> asks Twilio to send back (each <Message>, or its <Body>). */
export function twimlMessages(twiml: string): string[] {
	const out: string[] = [];
	for (const match of twiml.matchAll(MESSAGE)) {
		const inner = match[1] ?? '';
		const body = BODY.exec(inner)?.[1] ?? inner.replace(/<Media\b[\s\S]*?<\/Media>/g, '');
		const text = decodeXml(body.trim());
		if (text) out.push(text);
	}
	return out;
}
