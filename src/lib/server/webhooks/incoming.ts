import type { WebhookContext, WebhookRequest } from './context.ts';
import { toWebhookError } from './database-errors.ts';
import { parseTwilioForm, readRawBody } from './form.ts';
import { parseInboundText } from './inbound-report.ts';
import { storeInboundText } from './inbound-store.ts';
import { classifyKeyword, KEYWORD_REPLIES, type Keyword } from './keywords.ts';
import { assertTwilioSignature } from './signature.ts';
import { errorResponse } from './status-callback.ts';
import { twimlResponse } from './twiml.ts';

export interface IncomingContext extends WebhookContext {
	/** 'twilio': Twilio's Advanced Opt-Out already answered STOP/HELP, so we stay silent. */
	keywordReplies: 'app' | 'twilio';
	helpText: string;
}

export function replyFor(keyword: Keyword, options: Pick<IncomingContext, 'keywordReplies' | 'helpText'>): string | null {
	if (!keyword || options.keywordReplies === 'twilio') return null;
	return keyword.kind === 'help' ? options.helpText : KEYWORD_REPLIES[keyword.kind];
}

/** POST /api/webhooks/twilio/incoming: store the text, act on STOP/START/HELP, answer TwiML. */
export async function handleIncomingText(ctx: IncomingContext, req: WebhookRequest): Promise<Response> {
	try {
		const rawBody = await readRawBody(req.request);
		assertTwilioSignature({
			authToken: ctx.authToken,
			publicBaseUrl: ctx.publicBaseUrl,
			url: req.url,
			headers: req.request.headers,
			rawBody
		});
		const text = parseInboundText(
			parseTwilioForm({ contentType: req.request.headers.get('content-type'), rawBody })
		);
		const keyword = classifyKeyword(text.body);
		const stored = await storeInboundText({ db: ctx.db, text, keyword });
		ctx.log.info(
			{ sid: text.sid, messageId: stored.messageId, keyword: keyword?.keyword, optOutUserIds: stored.optOutUserIds },
			'inbound text received'
		);
		return twimlResponse(replyFor(keyword, ctx));
	} catch (caught) {
		const error = toWebhookError(caught);
		const level = error.status >= 500 ? 'error' : 'warn';
		ctx.log[level]({ code: error.code, err: error.cause ?? undefined, path: req.url.pathname }, error.message);
		return errorResponse(error);
	}
}
