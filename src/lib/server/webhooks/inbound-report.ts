import { isE164 } from '@sms/twilio-service/validate';
import { WebhookError } from './errors.ts';

/** An inbound text as Twilio posts it to the incoming webhook. */
export interface InboundText {
	sid: string;
	from: string;
	to: string | null;
	body: string;
	payload: Record<string, string>;
}

const SID = /^[A-Z]{2}[0-9a-fA-F]{32}$/;

export function parseInboundText(params: Record<string, string>): InboundText {
	const sid = (params.MessageSid ?? params.SmsSid ?? '').trim();
	if (!sid) throw new WebhookError('malformed_body', 'MessageSid is missing.');
	if (!SID.test(sid)) throw new WebhookError('malformed_body', 'MessageSid is not a Twilio SID.');
	const from = (params.From ?? '').trim();
	if (!from) throw new WebhookError('malformed_body', 'From is missing.');
	if (!isE164(from)) throw new WebhookError('malformed_body', 'From is not an E.164 phone number.');
	const to = (params.To ?? '').trim();
	return { sid, from, to: to || null, body: params.Body ?? '', payload: params };
}
