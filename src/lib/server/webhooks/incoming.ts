import type { WebhookContext, WebhookRequest } from './context.ts';
import { parseInboundText } from './inbound-report.ts';
import { storeInboundText } from './inbound-store.ts';
import { classifyKeyword, KEYWORD_REPLIES, type Keyword } from './keywords.ts';
import { alreadyReceived, recordReceipt } from './replay.ts';
import { readSignedCallback, webhookFailure } from './signed-request.ts';
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
		const { fields, receipt } = await readSignedCallback(ctx, req, 'incoming');
		const text = parseInboundText(fields);
		// A replay is answered with an empty <Response/>: no second reply text, nothing applied.
		if (await alreadyReceived(ctx.db, receipt)) {
			ctx.log.info({ sid: text.sid }, 'inbound text replayed: already handled');
			return twimlResponse(null);
		}
		const keyword = classifyKeyword(text.body);
		const stored = await storeInboundText({ db: ctx.db, text, keyword });
		await recordReceipt(ctx.db, receipt);
		ctx.log.info(
			{ sid: text.sid, messageId: stored.messageId, keyword: keyword?.keyword, optOutUserIds: stored.optOutUserIds },
			'inbound text received'
		);
		return twimlResponse(replyFor(keyword, ctx));
	} catch (caught) {
		return webhookFailure(ctx, req, caught);
	}
}
